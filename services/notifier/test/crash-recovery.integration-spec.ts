import type { EventPublisher } from '@holdfast/messaging';
import { createTestDatabase, expectEventually, ManualClock, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import type { INestApplication } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../../../scripts/system/system-runner.mjs';
import { notifierService } from '../src/app.module';
import { HttpReceiver } from './support/http-receiver';
import { api, connectPublisher, holdPlaced } from './support/notifier-fixtures';

/**
 * The notifier as a child process (the built service, as deployed) is SIGKILLed while its requests
 * are in flight; a second instance on the same database and topics takes over. Nothing is lost,
 * and every copy the receiver gets carries the event's own webhook-id, so it can drop repeats.
 */
describe('notifier killed mid-delivery', () => {
  let database: TestDatabase;
  let receiver: HttpReceiver;
  let child: RunningService;
  let successor: INestApplication | undefined;
  let publisher: EventPublisher;
  const topicPrefix = `${uniqueTestId('notifier-crash')}.`;
  let answering = false;

  const environment = () => ({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry,
    NOTIFIER_WORKER_POLL_MS: '50',
    NOTIFIER_DELIVERY_TIMEOUT_MS: '20000',
    NOTIFIER_DELIVERY_LEASE_MS: '30000',
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('notifier-crash');
    // Until the kill, the receiver takes requests and never answers: they are in flight when the process dies.
    receiver = await HttpReceiver.start(() => (answering ? { status: 200 } : 'hold'));
    child = await startService({ name: 'notifier', port: await freePort(), env: environment() });
  });

  afterAll(async () => {
    await publisher?.disconnect();
    if (child?.child.exitCode === null) child.child.kill('SIGKILL');
    await successor?.close();
    await receiver?.close();
    await database?.drop();
  });

  it('loses no delivery and sends no copy under a new webhook-id', async () => {
    const { id } = await api(child.baseUrl).subscribe({ channel: 'webhook', target: receiver.url });
    const config = notifierService.configFromEnvironment({ ...environment(), LOG_LEVEL: 'silent' });
    publisher = await connectPublisher(config.kafka);
    const holds = [holdPlaced(['IR']), holdPlaced(['NP']), holdPlaced(['DE']), holdPlaced(['IR'])];
    await publisher.publish(...holds);
    await expectEventually(() => expect(receiver.heldCount).toBeGreaterThanOrEqual(2));

    const exited = new Promise((resolve) => child.child.once('exit', resolve));
    child.child.kill('SIGKILL');
    await exited;
    answering = true;
    receiver.releaseHeld(499);

    // The successor's clock is past the dead process's leases, so it takes those deliveries over at once.
    successor = await notifierService.createApp({ ...config, port: 0 }, { clock: new ManualClock(new Date(Date.now() + 60_000)) });
    await successor.listen(0, '127.0.0.1');
    const successorApi = api(`http://127.0.0.1:${(successor.getHttpServer().address() as { port: number }).port}`);

    await expectEventually(async () => {
      const deliveries = await successorApi.deliveries(`subscriptionId=${id}`);
      expect(deliveries.map((delivery) => delivery.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    });
    const eventIds = holds.map((hold) => hold.id).sort();
    const deliveries = await successorApi.deliveries(`subscriptionId=${id}`);
    expect(deliveries.map((delivery) => delivery.eventId).sort()).toEqual(eventIds);
    expect([...new Set(receiver.requests.map((request) => String(request.headers['webhook-id'])))].sort()).toEqual(eventIds);
    const answered = receiver.requests.filter((request) => request.receivedAt > 0).map((request) => String(request.headers['webhook-id']));
    expect(new Set(answered).size).toBe(holds.length);
    // The successor joins the consumer group only after the broker gives up on the dead member (session timeout, 30 s).
  }, 120_000);
});
