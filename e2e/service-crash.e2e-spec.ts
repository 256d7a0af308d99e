import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';
import { adminCaller, planRegionWindows, startWebhookReceiver, surgeProducer, SURGE_ON_FIRST_SAMPLE } from './support/surge-stream';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
const BEFORE = ['IR', 'NP', 'DE', 'BR', 'JP', 'KE', 'MX', 'NO'];
// Produced the moment the planner and the analyzer are killed: in their hands, or still on Kafka.
const AS_THEY_DIE = ['PE', 'SE', 'TH', 'UA', 'VN', 'ZA', 'AR', 'CL'];
// Produced once their successors run.
const AFTER = ['CO', 'EG', 'FI', 'GH', 'HU', 'ID', 'KR', 'MA'];
const REGIONS = [...BEFORE, ...AS_THEY_DIE, ...AFTER];
const KILLED = ['maintenance-planner', 'impact-analyzer'] as const;

/**
 * DESIGN.md section 8's crash fault for the two services on a surge's path: the planner and the
 * analyzer are SIGKILLed while surges stream through them (no shutdown, no offsets committed, no
 * outbox drained), and successors start on the same database and topics. Surges are the first
 * sample of a region above the warm-up ceiling, as in bench:e2e.
 */
describe('the planner and the analyzer SIGKILLed mid-stream', () => {
  let database: TestDatabase;
  const services: Record<string, RunningService> = {};
  const logs: string[] = [];
  const call = adminCaller(services, ADMIN_KEY);
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let producer: Awaited<ReturnType<typeof surgeProducer>>;
  let env: Record<string, string>;

  const start = async (name: string, readyTimeoutMs?: number) => {
    services[name] = await startService({ name, port: await freePort(), env, readyTimeoutMs, onLine: (line) => logs.push(`[${name}] ${line}`) });
  };
  const heldRegions = async () => (await call<{ items: { regions: string[] }[] }>('maintenance-planner', '/v1/holds?active=true&limit=500')).items.flatMap((hold) => hold.regions);

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('service-crash');
    receiver = await startWebhookReceiver();
    const brokers = testEnvironment().kafkaBrokers;
    env = {
      ...SURGE_ON_FIRST_SAMPLE,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '3',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueTestId('crash')}.`,
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry,
    };
    await Promise.all(['maintenance-planner', 'impact-analyzer', 'notifier'].map((name) => start(name)));
    producer = await surgeProducer(brokers, env.KAFKA_TOPIC_PREFIX, 'crash-spec');
    await planRegionWindows(call, REGIONS, receiver.allowEntry);
  }, 180_000);

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') process.stderr.write(`what the services logged (warn and above):\n${logs.join('\n')}\n`);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    receiver?.close();
    await database?.drop();
  });

  it('places one hold per surge and sends each hold.placed under one webhook-id, the killed work taken up by the successors', async () => {
    await producer.surge(BEFORE);
    // Some holds placed, the rest under way: the kill lands mid-stream.
    await expectEventually(async () => expect((await heldRegions()).length).toBeGreaterThan(0), { timeoutMs: 30_000, message: 'the first holds' });
    await producer.surge(AS_THEY_DIE);
    await Promise.all(
      KILLED.map((name) => {
        const exited = new Promise((resolve) => services[name].child.once('exit', resolve));
        services[name].child.kill('SIGKILL');
        return exited;
      }),
    );
    const atKill = new pg.Client({ connectionString: database.url });
    await atKill.connect();
    const [{ holds }] = (await atKill.query<{ holds: number }>('SELECT count(*)::int AS holds FROM maintenance_planner.hold')).rows;
    await atKill.end();
    process.stdout.write(`[service-crash] ${holds} of ${BEFORE.length + AS_THEY_DIE.length} surges held when the planner and the analyzer were killed\n`);
    // Ready once each has joined its consumer groups, which the broker allows when it gives up on the dead members.
    await Promise.all(KILLED.map((name) => start(name, 90_000)));
    await producer.surge(AFTER);

    await expectEventually(async () => expect((await heldRegions()).sort()).toEqual([...REGIONS].sort()), {
      timeoutMs: 90_000,
      intervalMs: 500,
      message: 'one hold for every surge region',
    });
    const surges = (await call<{ items: { region: string }[] }>('impact-analyzer', '/v1/surges?limit=500')).items;
    expect(surges.map((item) => item.region).sort()).toEqual([...REGIONS].sort());

    const holdIds = (await call<{ items: { id: string }[] }>('maintenance-planner', '/v1/holds?active=true&limit=500')).items.map((hold) => hold.id).sort();
    await expectEventually(
      () => expect([...new Set(receiver.webhooks.filter((webhook) => webhook.body.type === 'hold.placed').map((webhook) => webhook.body.data.holdId))].sort()).toEqual(holdIds),
      { timeoutMs: 60_000, intervalMs: 250, message: 'a hold.placed webhook for every hold' },
    );
    // A hold.placed published twice (the relay killed between Kafka's acknowledgement and marking its row) is still one event: one webhook-id per hold.
    expect(new Set(receiver.webhooks.map((webhook) => String(webhook.headers['webhook-id']))).size).toBe(holdIds.length);
  }, 300_000);
});
