import { createTestDatabase, expectEventually, type TestDatabase } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';
import { startPrivateBroker, type PrivateBroker } from './support/private-broker';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;

describe("a broker outage: the file's own broker stopped under the analyzer and the planner, then started again", () => {
  let broker: PrivateBroker;
  let database: TestDatabase;
  let analyzer: RunningService;
  let planner: RunningService;
  const logs: string[] = [];

  const call = (service: RunningService, path: string, init: RequestInit = {}) =>
    fetch(`${service.baseUrl}${path}`, { ...init, headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}`, ...init.headers } });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    broker = await startPrivateBroker('outage');
    database = await createTestDatabase('broker-outage');
    const env = { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '3', KAFKA_BROKERS: broker.config.brokers.join(','), HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY };
    [analyzer, planner] = await Promise.all([
      startService({ name: 'impact-analyzer', port: await freePort(), env, onLine: (line) => logs.push(line) }),
      // A short silence, so the gate's refusal shows within the spec's outage.
      startService({ name: 'maintenance-planner', port: await freePort(), env: { ...env, GATE_MAX_SURGE_SILENCE_SECONDS: '3' }, onLine: (line) => logs.push(line) }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([analyzer?.stop(), planner?.stop()]);
    await broker?.remove();
    await database?.drop();
  });

  it('takes a declaration while the broker is away, answers what needs Kafka with 503, and holds once it is back', async () => {
    expect((await call(planner, '/v1/gate?regions=NP')).status).toBe(200);
    await broker.stop();
    await expectEventually(async () => expect((await fetch(`${analyzer.baseUrl}/health/ready`)).status).toBe(503), { timeoutMs: 30_000, message: 'the analyzer reports Kafka down' });

    // A declaration is written to the outbox with its surge, in PostgreSQL: it does not need the broker to be accepted.
    const from = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    const declared = await call(analyzer, '/v1/declarations', { method: 'POST', body: JSON.stringify({ regions: ['NP'], from, until, reason: 'declared while the broker was away', severity: 'major' }) });
    expect(declared.status).toBe(201);
    // Samples go straight to Kafka: the caller is told to send them again, and which dependency is away.
    const sampled = await call(analyzer, '/v1/samples', { method: 'POST', body: JSON.stringify({ samples: [{ region: 'NP', metric: 'requests', at: new Date().toISOString(), value: 1, source: 'outage-spec' }] }) });
    expect(sampled.status).toBe(503);
    expect(sampled.headers.get('retry-after')).toBe('5');
    expect(await sampled.json()).toMatchObject({ code: 'dependency-unavailable', dependency: 'Kafka' });
    // The declaration's surge waits in the analyzer's outbox: the gate must not say NP is free meanwhile.
    await expectEventually(async () => expect(await (await call(planner, '/v1/gate?regions=NP')).json()).toMatchObject({ status: 503, code: 'surges-unheard' }), {
      timeoutMs: 30_000,
      message: 'the gate stops answering allowed',
    });

    await broker.start();
    const back = Date.now();
    const hold = await expectEventually(
      async () => {
        const { items } = (await (await call(planner, '/v1/holds?active=true')).json()) as { items: { regions: string[]; reason: string }[] };
        const placed = items.find((item) => item.reason.includes('declared while the broker was away'));
        expect(placed).toBeDefined();
        return placed!;
      },
      { timeoutMs: 60_000, intervalMs: 250, message: 'the declaration held NP once the broker was back' },
    );
    expect(hold.regions).toEqual(['NP']);
    expect((await call(planner, '/v1/gate?regions=NP')).status).toBe(423);
    process.stdout.write(`[broker-outage] the hold came ${((Date.now() - back) / 1000).toFixed(1)} s after the broker was back\n`);
    // One connection failure in 30 s per service is an error; kafkajs's others went to debug.
    const connectionErrors = logs.filter((line) => / error .*Connection error: connect ECONNREFUSED/.test(line));
    expect(connectionErrors.length).toBeLessThanOrEqual(8);
  });
});
