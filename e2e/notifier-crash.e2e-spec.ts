import { randomBytes } from 'node:crypto';
import { createEvent, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger, type KafkaSettings } from '@holdfast/messaging';
import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;

const holdPlaced = (region: string): HoldfastEvent<'hold.placed'> =>
  createEvent(
    'hold.placed',
    { holdId: uuidv7(), regions: [region], reason: `Surge in ${region}`, source: 'detector', causeId: uuidv7(), placedAt: '2026-06-14T21:00:06Z', from: '2026-06-14T21:00:00Z', windowIds: [] },
    { source: 'e2e' },
  );

/**
 * The built notifier is SIGKILLed while its webhook requests are in flight; a second notifier
 * process on the same database and topics takes over once the dead one's delivery leases run out.
 * Nothing is lost, and every copy the receiver gets carries the event's own webhook-id.
 */
describe('notifier killed mid-delivery', () => {
  let database: TestDatabase;
  let receiver: Server;
  let publisher: EventPublisher;
  const running: RunningService[] = [];
  const received: IncomingHttpHeaders[] = [];
  const held: ServerResponse[] = [];
  let answering = false;
  let env: Record<string, string>;

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('notifier-crash');
    // Until the kill the receiver takes requests and never answers, so they are in flight when the process dies.
    receiver = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received.push(request.headers);
        if (answering) response.writeHead(200).end();
        else held.push(response);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueTestId('notifier-crash')}.`,
      NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      NOTIFIER_WORKER_POLL_MS: '100',
      NOTIFIER_DELIVERY_TIMEOUT_MS: '20000',
      NOTIFIER_DELIVERY_LEASE_MS: '25000',
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
    };
    running.push(await startService({ name: 'notifier', port: await freePort(), env }));
    const kafka: KafkaSettings = { brokers: testEnvironment().kafkaBrokers, clientId: 'notifier-crash-e2e', topicPrefix: env.KAFKA_TOPIC_PREFIX };
    publisher = new EventPublisher(createKafka(kafka, silentLogger), kafka);
    await publisher.connect();
  });

  afterAll(async () => {
    await publisher?.disconnect();
    for (const service of running) if (service.child.exitCode === null && service.child.signalCode === null) await service.stop();
    for (const response of held) response.destroy();
    receiver?.closeAllConnections();
    receiver?.close();
    await database?.drop();
  });

  it('loses no delivery and sends no copy under a new webhook-id', async () => {
    const [first] = running;
    const subscribed = await fetch(`${first.baseUrl}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ channel: 'webhook', target: `http://${env.NOTIFIER_OUTBOUND_ALLOW}/hook`, ownerTeam: 'edge' }),
    });
    expect(subscribed.status).toBe(201);
    const holds = ['IR', 'NP', 'DE', 'IR'].map(holdPlaced);
    await publisher.publish(...holds);
    await expectEventually(() => expect(held.length).toBeGreaterThanOrEqual(2));

    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    answering = true;
    for (const response of held.splice(0)) response.destroy();

    // Ready once it has joined the consumer group, which the broker allows when it gives up on the dead member.
    const successor = await startService({ name: 'notifier', port: await freePort(), env, readyTimeoutMs: 90_000 });
    running.push(successor);
    const eventIds = holds.map((hold) => hold.id).sort();
    await expectEventually(
      async () => {
        const { items } = (await (await fetch(`${successor.baseUrl}/v1/deliveries`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { items: { eventId: string; status: string }[] };
        expect(items.map((item) => item.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
        expect(items.map((item) => item.eventId).sort()).toEqual(eventIds);
      },
      { timeoutMs: 60_000 },
    );
    expect([...new Set(received.map((headers) => String(headers['webhook-id'])))].sort()).toEqual(eventIds);
  }, 180_000);
});
