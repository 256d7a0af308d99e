import { expectEventually, testEnvironment, uniqueTestId } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../scripts/system/embedded-postgres.mjs';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';
import { adminCaller, planRegionWindows, startWebhookReceiver, surgeProducer, SURGE_ON_FIRST_SAMPLE } from './support/surge-stream';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
const BEFORE = ['IR', 'NP', 'DE', 'BR'];
// Held before PostgreSQL stops, their webhooks in flight as it goes and answered while it is down.
const AS_IT_STOPS = ['JP', 'KE', 'MX', 'NO'];
// Produced while PostgreSQL is down: waiting on Kafka until it is back.
const WHILE_DOWN = ['PE', 'SE', 'TH', 'UA'];
const REGIONS = [...BEFORE, ...AS_IT_STOPS, ...WHILE_DOWN];

interface Hold {
  id: string;
  regions: string[];
}

/**
 * DESIGN.md section 8's fault test for the database: the PostgreSQL all three services share is
 * stopped under them as surges flow, and started again on the same data. Surges are the first
 * sample of a region above the warm-up ceiling, as in bench:e2e. The server is an embedded one of
 * this file's own (binaries from the npm registry), so the machine's server is never touched.
 */
describe('PostgreSQL restarted under the three services mid-stream', () => {
  let dataDir: string;
  let port: number;
  let database: { url: string; stop: () => Promise<void> };
  const services: Record<string, RunningService> = {};
  const logs: string[] = [];
  const call = adminCaller(services, ADMIN_KEY);
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  let producer: Awaited<ReturnType<typeof surgeProducer>>;
  let windowOf: Map<string, string>;

  const activeHolds = async () => (await call<{ items: Hold[] }>('maintenance-planner', '/v1/holds?active=true&limit=500')).items;
  const readiness = async (name: string) => (await fetch(`${services[name].baseUrl}/health/ready`)).status;
  const startDatabase = () => startEmbeddedPostgres({ dataDir, port, log: (line: string) => logs.push(`[postgres] ${line}`) });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    dataDir = mkdtempSync(join(tmpdir(), 'holdfast-pg-restart-'));
    port = await freePort();
    database = await startDatabase();
    receiver = await startWebhookReceiver();
    const brokers = testEnvironment().kafkaBrokers;
    const topicPrefix = `${uniqueTestId('pg-restart')}.`;
    const env = {
      ...SURGE_ON_FIRST_SAMPLE,
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '3',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry,
      NOTIFIER_WORKER_POLL_MS: '200',
    };
    for (const name of ['maintenance-planner', 'impact-analyzer', 'notifier']) {
      services[name] = await startService({ name, port: await freePort(), env, onLine: (line) => logs.push(`[${name}] ${line}`) });
    }
    producer = await surgeProducer(brokers, topicPrefix, 'restart-spec');
    windowOf = await planRegionWindows(call, REGIONS, receiver.allowEntry);
  }, 180_000);

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') process.stderr.write(`what the services logged (warn and above):\n${logs.join('\n')}\n`);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    receiver?.close();
    await database?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no hold and no notification, and doubles neither, across the restart', async () => {
    await producer.surge(BEFORE);
    await expectEventually(async () => expect((await activeHolds()).flatMap((hold) => hold.regions).sort()).toEqual([...BEFORE].sort()), {
      timeoutMs: 30_000,
      message: 'the holds before the restart',
    });

    await expectEventually(() => expect(receiver.webhooks).toHaveLength(BEFORE.length), { timeoutMs: 30_000, message: 'the webhooks before the restart' });

    receiver.hold();
    await producer.surge(AS_IT_STOPS);
    await expectEventually(() => expect(receiver.heldCount()).toBe(AS_IT_STOPS.length), { timeoutMs: 30_000, message: 'the webhooks in flight as PostgreSQL stops' });
    await database.stop();
    await expectEventually(async () => expect(await readiness('maintenance-planner')).toBe(503), { timeoutMs: 30_000, message: 'the planner reports PostgreSQL down' });
    // Answered while the notifier cannot record it: it must neither lose the outcome nor send again.
    receiver.answerHeld();
    await producer.surge(WHILE_DOWN);
    // Down for every service before it comes back: each has met the outage, not only the planner.
    await expectEventually(async () => expect(await Promise.all(Object.keys(services).map(readiness))).toEqual([503, 503, 503]), {
      timeoutMs: 30_000,
      message: 'every service reports PostgreSQL down',
    });
    database = await startDatabase();
    const back = Date.now();

    const holds = await expectEventually(
      async () => {
        const active = await activeHolds();
        expect(active.flatMap((hold) => hold.regions).sort()).toEqual([...REGIONS].sort());
        return active;
      },
      { timeoutMs: 90_000, intervalMs: 500, message: 'a hold for every surge region once PostgreSQL is back' },
    );
    process.stdout.write(`[postgres-restart] the last hold came ${((Date.now() - back) / 1000).toFixed(1)} s after PostgreSQL was back\n`);
    expect(holds).toHaveLength(REGIONS.length);

    const placed = () => receiver.webhooks.filter((webhook) => webhook.body.type === 'hold.placed');
    await expectEventually(() => expect([...new Set(placed().map((webhook) => webhook.body.data.holdId))].sort()).toEqual(holds.map((hold) => hold.id).sort()), {
      timeoutMs: 60_000,
      intervalMs: 250,
      message: 'a hold.placed webhook for every hold',
    });
    // Each hold on its own region's window, and no other.
    for (const { body } of placed()) expect(body.data.windowIds).toEqual([windowOf.get(body.data.regions[0])]);
    await expectEventually(
      async () => {
        const { items: deliveries } = await call<{ items: { status: string }[] }>('notifier', '/v1/deliveries?limit=1000');
        expect(deliveries.map((delivery) => delivery.status)).toEqual(holds.map(() => 'delivered'));
      },
      { timeoutMs: 30_000, message: 'every delivery recorded as delivered' },
    );
    // Sent once each: an outcome that could not be written while PostgreSQL was away was written once it was back, not left for the lease to run out and send again.
    expect(receiver.webhooks.map((webhook) => String(webhook.headers['webhook-id'])).sort()).toEqual([...new Set(placed().map((webhook) => webhook.body.id))].sort());
    expect(receiver.webhooks).toHaveLength(holds.length);

    const surges = (await call<{ items: { region: string }[] }>('impact-analyzer', '/v1/surges?limit=500')).items;
    expect(surges.map((item) => item.region).sort()).toEqual([...REGIONS].sort());
    for (const name of Object.keys(services)) expect(await readiness(name), `${name} ready again`).toBe(200);
  }, 240_000);
});
