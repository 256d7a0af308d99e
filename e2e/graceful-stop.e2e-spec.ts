import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
const CLIENTS = 8;

/** One POST on a connection of its own (no keep-alive), so each outcome is this request's: its status, or the error that stopped it. */
function planWindow(port: number, body: string): Promise<{ status: number; id?: string } | { error: string }> {
  return new Promise((resolve) => {
    const call = request({ host: '127.0.0.1', port, method: 'POST', path: '/v1/windows', agent: false, headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, id: response.statusCode === 201 ? (JSON.parse(text) as { id: string }).id : undefined }));
      response.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    call.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    call.end(body);
  });
}

/** How the service's process ended: on 'close', not 'exit', as its last log lines may still be on their way through the pipe when it exits. */
const closed = (service: RunningService) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => service.child.once('close', (code, signal) => resolve({ code, signal })));

/**
 * A SIGTERM while windows are being planned, as a supervisor or a rolling deploy sends it: every
 * window the planner took is answered, and its window.scheduled published before the process ends
 * (until 2026-12-05 the outbox relay stopped first, while requests still came in, and their events
 * waited in PostgreSQL for the next start).
 */
describe('the planner stopped with SIGTERM under load', () => {
  let database: TestDatabase;
  let planner: RunningService;
  const logs: string[] = [];
  const topicPrefix = `${uniqueTestId('graceful-stop')}.`;

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('graceful-stop');
  });

  afterAll(async () => {
    await planner?.stop();
    await database?.drop();
  });

  const startPlanner = async () => {
    const env = { DATABASE_URL: database.url, DATABASE_POOL_SIZE: '4', KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: topicPrefix, HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY };
    planner = await startService({ name: 'maintenance-planner', port: await freePort(), env, onLine: (line) => logs.push(line) });
  };

  it('answers every request it took, publishes each window it planned, and says when it stopped', async () => {
    await startPlanner();
    const startsAt = new Date(Date.now() + 86_400_000);
    const body = (n: number) =>
      JSON.stringify({
        title: `Patch run ${n}`,
        ownerTeam: 'platform',
        footprint: { global: false, regions: ['DE'] },
        startsAt: new Date(startsAt.getTime() + n * 60_000).toISOString(),
        endsAt: new Date(startsAt.getTime() + n * 60_000 + 1_800_000).toISOString(),
        plannedZone: 'Europe/Berlin',
      });
    const exited = closed(planner);
    const outcomes: Awaited<ReturnType<typeof planWindow>>[] = [];
    let sent = 0;
    // Each client plans until the planner refuses connections: from then on it takes no more.
    const client = async () => {
      for (;;) {
        const outcome = await planWindow(planner.port, body(sent++));
        outcomes.push(outcome);
        if ('error' in outcome && outcome.error === 'ECONNREFUSED') return;
      }
    };
    const clients = Array.from({ length: CLIENTS }, client);
    await expectEventually(() => expect(outcomes.filter((outcome) => 'status' in outcome && outcome.status === 201).length).toBeGreaterThan(40), { timeoutMs: 30_000 });
    planner.child.kill('SIGTERM');
    const exit = await exited;
    await Promise.all(clients);

    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    const planned = outcomes.flatMap((outcome) => ('id' in outcome && outcome.id ? [outcome.id] : []));
    const statuses = new Set(outcomes.flatMap((outcome) => ('status' in outcome ? [outcome.status] : [])));
    expect([...statuses]).toEqual([201]);
    // A request either was answered or never reached the planner: no window it took went unanswered.
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows: windows } = await db.query<{ id: string }>('SELECT id FROM maintenance_planner.maintenance_window');
      expect(windows.map((row) => row.id).sort()).toEqual([...planned].sort());
      const { rows: waiting } = await db.query<{ count: string }>('SELECT count(*) FROM maintenance_planner.outbox_message WHERE published_at IS NULL');
      expect(waiting[0].count).toBe('0');
    } finally {
      await db.end();
    }
    const published = new Set<string>();
    const kafka = new Kafka({ clientId: 'graceful-stop-spec', brokers: testEnvironment().kafkaBrokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `${topicPrefix}reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${topicPrefix}maintenance.windows.v1`, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void (message.headers?.ce_type?.toString() === 'window.scheduled' && published.add(String(message.key))) });
    try {
      await expectEventually(() => expect(planned.filter((id) => !published.has(id))).toEqual([]), { timeoutMs: 30_000, message: 'every planned window published' });
    } finally {
      await consumer.disconnect();
    }
    const said = logs.join('\n');
    // Started as npm start starts it: on loopback only, unless LISTEN_ADDRESS says otherwise.
    // With the time zone rules it judges local times by, as the Node that runs it reports them (its own node: npm start's).
    expect(said).toMatch(new RegExp(`"msg":"listening on port ${planner.port} of 127\\.0\\.0\\.1; local times by the IANA time zone database ${process.versions.tz}"`));
    expect(said).toMatch(/SIGTERM: stopping: no new connections/);
    expect(said).toMatch(/"context":"maintenance-planner".*"msg":"stopped in \d+ ms"/);
  });

  it('stops once on Ctrl-C under npm start: the terminal\'s SIGINT, then the SIGTERM npm start sends each service', async () => {
    await startPlanner();
    logs.length = 0;
    const exited = closed(planner);
    planner.child.kill('SIGINT');
    // SIGTERM while the SIGINT's stop is under way, as npm start sends it.
    await expectEventually(() => expect(logs.join('\n')).toMatch(/SIGINT: stopping/), { intervalMs: 5 });
    planner.child.kill('SIGTERM');
    expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
    const said = logs.join('\n');
    expect(said.match(/stopping: no new connections/g)).toHaveLength(1);
    expect(said).toMatch(/"msg":"stopped in \d+ ms"/);
    expect(logs.filter((line) => /"level":(50|60)/.test(line))).toEqual([]);
  });
});
