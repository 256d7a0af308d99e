import { expectEventually, testEnvironment, uniqueTestId } from '@holdfast/testing';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../scripts/system/embedded-postgres.mjs';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

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

interface Webhook {
  headers: IncomingHttpHeaders;
  body: { id: string; type: string; data: { holdId: string; regions: string[]; windowIds: string[] } };
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
  const webhooks: Webhook[] = [];
  // While set, the receiver keeps requests unanswered here.
  let unanswered: ServerResponse[] | undefined;
  let receiver: Server;
  let producer: Producer;
  let topicPrefix: string;
  const windowOf = new Map<string, string>();

  const call = async <T>(service: string, path: string, body?: object): Promise<T> => {
    const response = await fetch(`${services[service].baseUrl}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${service} ${path} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as T;
  };
  const surge = (regions: string[]) =>
    producer.send({
      topic: `${topicPrefix}traffic.samples.v1`,
      messages: regions.map((region) => ({ key: region, value: JSON.stringify({ region, metric: 'requests', at: new Date().toISOString(), value: 5_000, source: 'restart-spec' }) })),
    });
  const activeHolds = async () => (await call<{ items: Hold[] }>('maintenance-planner', '/v1/holds?active=true&limit=500')).items;
  const startDatabase = () => startEmbeddedPostgres({ dataDir, port, log: (line: string) => logs.push(`[postgres] ${line}`) });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    dataDir = mkdtempSync(join(tmpdir(), 'holdfast-pg-restart-'));
    port = await freePort();
    database = await startDatabase();
    receiver = createServer((request, response) => {
      let raw = '';
      request.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      request.on('end', () => {
        webhooks.push({ headers: request.headers, body: JSON.parse(raw) as Webhook['body'] });
        if (unanswered) unanswered.push(response);
        else response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const brokers = testEnvironment().kafkaBrokers;
    topicPrefix = `${uniqueTestId('pg-restart')}.`;
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '3',
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      ANALYZER_DETECTION: JSON.stringify({ defaults: { warmupCeiling: 1_000 } }),
      NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      NOTIFIER_WORKER_POLL_MS: '200',
    };
    for (const name of ['maintenance-planner', 'impact-analyzer', 'notifier']) {
      services[name] = await startService({ name, port: await freePort(), env, onLine: (line) => logs.push(`[${name}] ${line}`) });
    }
    producer = new Kafka({ clientId: 'pg-restart-e2e', brokers, logLevel: logLevel.NOTHING }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const startsAt = new Date(Math.ceil(Date.now() / 300_000) * 300_000 + 3_600_000);
    for (const region of REGIONS) {
      const { id } = await call<{ id: string }>('maintenance-planner', '/v1/windows', {
        title: `Patch ${region}`,
        ownerTeam: 'platform',
        footprint: { global: false, regions: [region] },
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(),
        plannedZone: 'UTC',
      });
      windowOf.set(region, id);
    }
    await call('notifier', '/v1/subscriptions', {
      channel: 'webhook',
      target: `http://${env.NOTIFIER_OUTBOUND_ALLOW}/holds`,
      ownerTeam: 'platform',
      filters: { eventTypes: ['hold.placed'] },
    });
  }, 180_000);

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') process.stderr.write(`what the services logged (warn and above):\n${logs.join('\n')}\n`);
  });

  afterAll(async () => {
    await producer?.disconnect();
    await Promise.all(Object.values(services).map((service) => service.stop()));
    receiver?.closeAllConnections();
    receiver?.close();
    await database?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('loses no hold and no notification, and doubles neither, across the restart', async () => {
    await surge(BEFORE);
    await expectEventually(async () => expect((await activeHolds()).flatMap((hold) => hold.regions).sort()).toEqual([...BEFORE].sort()), {
      timeoutMs: 30_000,
      message: 'the holds before the restart',
    });

    await expectEventually(() => expect(webhooks).toHaveLength(BEFORE.length), { timeoutMs: 30_000, message: 'the webhooks before the restart' });

    unanswered = [];
    await surge(AS_IT_STOPS);
    await expectEventually(() => expect(unanswered).toHaveLength(AS_IT_STOPS.length), { timeoutMs: 30_000, message: 'the webhooks in flight as PostgreSQL stops' });
    await database.stop();
    await expectEventually(async () => expect((await fetch(`${services['maintenance-planner'].baseUrl}/health/ready`)).status).toBe(503), {
      timeoutMs: 30_000,
      message: 'the planner reports PostgreSQL down',
    });
    // Answered while the notifier cannot record it: it must neither lose the outcome nor send again.
    for (const response of unanswered.splice(0)) response.writeHead(204).end();
    unanswered = undefined;
    await surge(WHILE_DOWN);
    // Long enough for every consumer, relay and the delivery worker to fail at least once.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
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

    const placed = () => webhooks.filter((webhook) => webhook.body.type === 'hold.placed');
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
    expect(webhooks.map((webhook) => String(webhook.headers['webhook-id'])).sort()).toEqual([...new Set(placed().map((webhook) => webhook.body.id))].sort());
    expect(webhooks).toHaveLength(holds.length);

    const surges = (await call<{ items: { region: string }[] }>('impact-analyzer', '/v1/surges?limit=500')).items;
    expect(surges.map((item) => item.region).sort()).toEqual([...REGIONS].sort());
    for (const name of Object.keys(services)) expect((await fetch(`${services[name].baseUrl}/health/ready`)).status, `${name} ready again`).toBe(200);
  }, 240_000);
});
