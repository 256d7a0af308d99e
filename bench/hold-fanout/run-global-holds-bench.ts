/**
 * One-region holds at a large organisation's scale: the planner itself (HTTP, its real migrations,
 * the outbox relay sending to Kafka) with GLOBAL_ONE_OFF global one-off windows and GLOBAL_DAILY,
 * GLOBAL_WEEKLY and GLOBAL_HOURLY global recurring ones (about the 2,405 of the scale review in
 * docs/performance-journal.md), then GLOBAL_HOLDS manual holds of 60 days, each on a region of its own,
 * declared one after another through POST /v1/holds as a person would. Every hold lands on every
 * global window, so each owes a window.held per global window, written after it.
 *
 * Measured: each hold's answer and the time from its request until its last window.held is in the
 * outbox (its hold_announcement row gone); the event loop's longest stall (perf_hooks); one caller
 * asking the gate back to back; the process's peak RSS and heap. The baseline: the same caller over
 * GLOBAL_QUIET_SECONDS with no hold being placed, in the same run. The digest column is a digest of
 * every window.held payload (the hold's id left out), so two builds can be shown to write the same.
 * Needs PostgreSQL and the broker (DATABASE_URL, KAFKA_BROKERS). Run: npm run bench:global-holds.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { Client } from 'pg';
import { localKafkaConfig, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { plannerService } from '../../services/maintenance-planner/src/app.module';
import { percentile, printTable, writeResults } from '../support/bench-table';
import { gateCallerWhile } from '../support/gate-caller';
import { plannerBenchDatabase, PLANNER_SCHEMA } from './planner-bench-database';

const ONE_OFF = Number(process.env.GLOBAL_ONE_OFF ?? 2_000);
const DAILY = Number(process.env.GLOBAL_DAILY ?? 200);
const WEEKLY = Number(process.env.GLOBAL_WEEKLY ?? 120);
const HOURLY = Number(process.env.GLOBAL_HOURLY ?? 13);
const HOLDS = Number(process.env.GLOBAL_HOLDS ?? 30);
const QUIET_SECONDS = Number(process.env.GLOBAL_QUIET_SECONDS ?? 20);
const log = (line: string) => process.stdout.write(`[global-holds] ${line}\n`);
const ADMIN_KEY = `bench-admin-${randomBytes(24).toString('base64url')}`;
const START = Date.parse('2027-01-04T00:00:00Z');
const HOLD_DAYS = 60;
// None of them is the gate caller's region (NO).
const HOLD_REGIONS = ('IR NP DE US BR IN JP NG FR GB MX ID TR EG KE AR PL SE AU CA CL CO PE VE EC BO PY UY ZA MA DZ TN GH CI SN CM ET TZ UG RW ' +
  'ES PT IT NL BE CH AT CZ SK HU RO BG GR DK FI IE IS EE LV LT UA MD').split(' ');
const ZONES = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'America/New_York', 'Asia/Tehran', 'Asia/Kathmandu', 'Asia/Kolkata', 'Australia/Sydney', 'Asia/Tokyo', 'America/Sao_Paulo'];

interface Answer {
  status: number;
  body: string;
  ms: number;
}

/** Global windows with deterministic ids, planned from the start of the run's clock over 90 days. */
async function seed(db: Client): Promise<void> {
  const start = new Date(START).toISOString();
  // The events name windows by id, and the contract takes UUIDs with a version and variant: an md5 given those bits.
  const v4Shaped = (text: string) => `overlay(overlay(md5(${text}) placing '4' from 13) placing '8' from 17)::uuid`;
  await db.query(
    `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
     SELECT ${v4Shaped("'global one-off ' || i")}, 'Core network change ' || i, 'team-' || (i % 60), true, '{}'::text[],
            $1::timestamptz + interval '2 hours' + ((i * 37) % (55 * 24)) * interval '1 hour', $1::timestamptz + interval '2 hours' + ((i * 37) % (55 * 24)) * interval '1 hour' + interval '90 minutes',
            ($3::text[])[1 + (i % 10)], 'routine', CASE WHEN i % 50 = 0 THEN 'notify-only' ELSE 'hold' END, 'scheduled', $1::timestamptz + interval '90 days',
            $1::timestamptz - interval '30 days', $1::timestamptz - interval '30 days'
       FROM generate_series(1, $2) AS i`,
    [start, ONE_OFF, ZONES],
  );
  await db.query(`INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) SELECT id, 1, starts_at, ends_at, 'scheduled' FROM maintenance_window`);
  for (const [kind, count, rule, step, runs] of [
    ['daily', DAILY, 'FREQ=DAILY', '1 day', 90],
    ['weekly', WEEKLY, 'FREQ=WEEKLY', '7 days', 13],
    ['hourly', HOURLY, 'FREQ=HOURLY', '1 hour', 90 * 24],
  ] as const) {
    await db.query(
      `WITH recurring AS (
         INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, recurrence, priority, surge_policy, status, expanded_until, created_at, updated_at)
         SELECT ${v4Shaped("$5 || ' ' || i")}, 'Global ' || $5 || ' job ' || i, 'team-' || (i % 60), true, '{}'::text[],
                $1::timestamptz + interval '1 hour' + (i % 24) * interval '1 minute', $1::timestamptz + interval '1 hour' + (i % 24) * interval '1 minute' + interval '20 minutes',
                ($4::text[])[1 + (i % 10)], $6, 'routine', 'hold', 'scheduled', $1::timestamptz + interval '90 days', $1::timestamptz - interval '30 days', $1::timestamptz - interval '30 days'
           FROM generate_series(1, $2) AS i
         RETURNING id, starts_at, ends_at)
       INSERT INTO occurrence (window_id, number, starts_at, ends_at, status)
       SELECT id, n, starts_at + (n - 1) * $7::interval, ends_at + (n - 1) * $7::interval, 'scheduled' FROM recurring, generate_series(1, $3) AS n`,
      [start, count, runs, ZONES, kind, rule, step],
    );
  }
  // A database in service is vacuumed: without it the first statement to read the fresh rows pays for setting their hint bits.
  await db.query('VACUUM ANALYZE');
}

/** The process's peak RSS and heap while `work` runs, sampled every 50 ms. */
async function peakMemoryWhile<T>(work: () => Promise<T>): Promise<{ result: T; rssMb: number; heapMb: number }> {
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    rss = Math.max(rss, usage.rss);
    heap = Math.max(heap, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 50);
  try {
    const result = await work();
    sample();
    return { result, rssMb: Math.round(rss / 2 ** 20), heapMb: Math.round(heap / 2 ** 20) };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  const database = await plannerBenchDatabase('globalholds', log, false);
  // The clock moves a second per request, so each hold is placed at an instant of its own.
  let nowMs = START;
  const clock = { now: () => new Date(nowMs), nowMs: () => nowMs };
  const config = plannerService.configFromEnvironment({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: `bench-global-holds-${Date.now().toString(36)}.`,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'silent',
    PLANNER_SWEEP_INTERVAL_SECONDS: '0',
    HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
    HOLDFAST_RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const app = await plannerService.createApp({ ...config, port: 0 }, { clock });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  const agent = new Agent({ keepAlive: true });
  const ask = (method: 'GET' | 'POST', path: string, body?: unknown) =>
    new Promise<Answer>((resolve, reject) => {
      const began = performance.now();
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const sent = request(
        { hostname: '127.0.0.1', port, path, method, agent, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks).toString(), ms: performance.now() - began }));
        },
      );
      sent.on('error', reject);
      sent.end(payload);
    });
  // The bench's own reads, on a connection of their own: the planner's pool is left to the planner.
  const db = new Client({ connectionString: database.url, options: `-c search_path=${PLANNER_SCHEMA}` });
  /** One caller asking the gate back to back while `work` runs, with the event loop's stalls and the peak memory meanwhile. */
  const gateWhile = async <T>(work: () => Promise<T>) => {
    const askGate = async () => {
      const answer = await ask('GET', '/v1/gate?regions=NO');
      if (answer.status !== 200) throw new Error(`the gate answered ${answer.status}: ${answer.body}`);
      return answer.ms;
    };
    const { result: peak, gateMs, loopStallMaxMs, loopStallP99Ms } = await gateCallerWhile(askGate, () => peakMemoryWhile(work));
    return {
      result: peak.result,
      figures: {
        gateAnswers: gateMs.length,
        gateP50Ms: Number(percentile(gateMs, 0.5).toFixed(1)),
        gateP99Ms: Number(percentile(gateMs, 0.99).toFixed(1)),
        gateMaxMs: Math.round(gateMs.at(-1)!),
        loopStallMaxMs,
        loopStallP99Ms,
        rssPeakMb: peak.rssMb,
        heapPeakMb: peak.heapMb,
      },
    };
  };
  try {
    await db.connect();
    log(`seeding ${ONE_OFF} global one-off windows and ${DAILY} daily, ${WEEKLY} weekly and ${HOURLY} hourly global ones (90 days of runs)`);
    await seed(db);
    const [counts] = (await db.query(`SELECT (SELECT count(*) FROM maintenance_window)::int AS windows, (SELECT count(*) FROM occurrence)::int AS runs`)).rows as { windows: number; runs: number }[];
    log(`${counts.windows} windows, ${counts.runs} runs; warming the gate`);
    for (let index = 0; index < 200; index++) await ask('GET', '/v1/gate?regions=NO');

    const quiet = await gateWhile(() => new Promise((resolve) => setTimeout(resolve, QUIET_SECONDS * 1000)));
    log(`baseline, no hold being placed, ${QUIET_SECONDS} s: ${JSON.stringify(quiet.figures)}`);

    const owing = async () => new Set(((await db.query('SELECT hold_id FROM hold_announcement')).rows as { hold_id: string }[]).map((row) => row.hold_id));
    const placements: { region: string; holdId: string; answerMs: number; announcedMs?: number }[] = [];
    const began = performance.now();
    const loaded = await gateWhile(async () => {
      const requested = new Map<string, number>();
      let placing = true;
      // Each hold's debt row commits with it: once gone, its last window.held is in the outbox. Watched while the next holds are placed.
      const watching = (async () => {
        while (placing || placements.some((placement) => placement.announcedMs === undefined)) {
          // Only holds answered before the read: a hold placed while it ran may be missing from it, yet owe.
          const answered = placements.slice();
          const owed = await owing();
          const seen = performance.now();
          for (const placement of answered) {
            if (placement.announcedMs === undefined && !owed.has(placement.holdId)) placement.announcedMs = seen - requested.get(placement.holdId)!;
          }
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      try {
        for (const region of HOLD_REGIONS.slice(0, HOLDS)) {
          nowMs += 1_000;
          const from = new Date(nowMs + 60_000).toISOString();
          const until = new Date(nowMs + HOLD_DAYS * 86_400_000).toISOString();
          const at = performance.now();
          const answer = await ask('POST', '/v1/holds', { regions: [region], from, until, reason: `Bench: a critical period in ${region}` });
          if (answer.status !== 201) throw new Error(`POST /v1/holds answered ${answer.status}: ${answer.body}`);
          const holdId = (JSON.parse(answer.body) as { id: string }).id;
          requested.set(holdId, at);
          placements.push({ region, holdId, answerMs: answer.ms });
        }
      } finally {
        placing = false;
      }
      await watching;
    });
    const totalMs = performance.now() - began;
    const [written] = (
      await db.query(
        `SELECT count(*)::int AS events, sum(octet_length(payload::text))::bigint AS bytes,
                md5(string_agg(replace(payload::text, payload->>'holdId', ''), '' ORDER BY payload->'holdRegions'->>0, payload->>'windowId')) AS digest
           FROM outbox_message WHERE event_type = 'window.held'`,
      )
    ).rows as { events: number; bytes: string; digest: string }[];
    const [{ links }] = (await db.query('SELECT count(*)::int AS links FROM hold_occurrence')).rows as { links: number }[];
    const answers = placements.map((placement) => placement.answerMs).sort((a, b) => a - b);
    const announced = placements.map((placement) => placement.announcedMs!).sort((a, b) => a - b);
    const perHoldMs = totalMs / HOLDS;
    const header = ['phase', 'holds', 'hold answer p50 / max ms', 'until announced p50 / max ms', 'ms per hold', 'gate p50 / p99 / max ms', 'loop stall p99 / max ms', 'peak RSS / heap MB', 'window.held', 'digest'];
    const row = (phase: string, figures: typeof quiet.figures, holds: string[]) => [phase, ...holds, `${figures.gateP50Ms} / ${figures.gateP99Ms} / ${figures.gateMaxMs}`, `${figures.loopStallP99Ms} / ${figures.loopStallMaxMs}`, `${figures.rssPeakMb} / ${figures.heapPeakMb}`];
    printTable(header, [
      [...row(`no hold placed, ${QUIET_SECONDS} s (the baseline)`, quiet.figures, ['0', '-', '-', '-']), '0', '-'],
      [
        ...row(`${HOLDS} one-region holds over ${counts.windows} global windows, ${(totalMs / 1000).toFixed(1)} s`, loaded.figures, [
          String(HOLDS),
          `${Math.round(percentile(answers, 0.5))} / ${Math.round(answers.at(-1)!)}`,
          `${Math.round(percentile(announced, 0.5))} / ${Math.round(announced.at(-1)!)}`,
          String(Math.round(perHoldMs)),
        ]),
        String(written.events),
        written.digest.slice(0, 12),
      ],
    ]);
    const file = writeResults(
      'global-holds',
      {
        msPerHold: Math.round(perHoldMs),
        announcedP50Ms: Math.round(percentile(announced, 0.5)),
        loopStallMaxMs: loaded.figures.loopStallMaxMs,
        gateP50Ms: loaded.figures.gateP50Ms,
        gateP99Ms: loaded.figures.gateP99Ms,
        gateQuietP99Ms: quiet.figures.gateP99Ms,
        rssPeakMb: loaded.figures.rssPeakMb,
      },
      {
        windows: counts.windows,
        runs: counts.runs,
        holds: HOLDS,
        links,
        totalMs: Math.round(totalMs),
        windowHeld: { events: written.events, megabytes: Math.round(Number(written.bytes) / 2 ** 20), digest: written.digest },
        quiet: quiet.figures,
        loaded: loaded.figures,
        placements: placements.map(({ region, answerMs, announcedMs }) => ({ region, answerMs: Math.round(answerMs), announcedMs: Math.round(announcedMs!) })),
      },
    );
    log(`written ${file}`);
  } finally {
    agent.destroy();
    await db.end().catch(() => undefined);
    await app.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
