/**
 * A region's iCalendar feed at a large organisation's scale: the planner itself (HTTP, its real
 * migrations and tables) with FEED_ONE_OFF one-off windows and FEED_DAILY daily ones (90 runs
 * each), a sixth and a tenth of them global, planned in 30 zones, and FEED_HOLDS holds of ten days
 * on as many regions (IR's among them): active, released, some runs overridden, cleared surges
 * whose release was due before later runs, notify-only links. IR's feed then holds
 * CALENDAR_FEED_MAX_EVENTS (5,000) runs and is cut there. The data is written straight into the
 * planner's tables, the same rows on every run, so two builds give comparable figures and the
 * same feed (the digest column: the body's SHA-256 with DTSTAMP left out).
 *
 * Each round: the feed alone (request time, and its statements captured and run again under
 * EXPLAIN ANALYZE, without per-node timing); the baseline, one caller asking the gate back to back
 * for as long as the feed took, with no feed (the event loop's longest stall, by perf_hooks, and
 * the gate's slowest answer); the same while the feed is written; then the feed
 * asked again with the ETag the first answer gave (If-None-Match). The clock moves a second before
 * each request, as a calendar client's next poll finds it.
 * Needs PostgreSQL and the broker (DATABASE_URL, KAFKA_BROKERS). Run: npm run bench:calendar-feed
 * (FEED_ROUNDS, default 5; FEED_PLAN=1 prints the first round's plans).
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, get } from 'node:http';
import { DataSource } from 'typeorm';
import { localKafkaConfig, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { plannerService } from '../../services/maintenance-planner/src/app.module';
import { plannerBenchDatabase } from '../hold-fanout/planner-bench-database';
import { printTable, writeResults } from '../support/bench-table';
import { gateCallerWhile } from '../support/gate-caller';

const ONE_OFF = Number(process.env.FEED_ONE_OFF ?? 12_000);
const DAILY = Number(process.env.FEED_DAILY ?? 1_200);
const HOLDS = Number(process.env.FEED_HOLDS ?? 100);
const ROUNDS = Number(process.env.FEED_ROUNDS ?? 5);
// The services' Kafka client warns on stderr; the figures go to stdout.
const log = (line: string) => process.stdout.write(`[calendar-feed] ${line}\n`);
const ADMIN_KEY = `bench-admin-${randomBytes(24).toString('base64url')}`;

const ZONES = [
  'UTC', 'Europe/Berlin', 'America/Los_Angeles', 'America/New_York', 'Asia/Tehran', 'Asia/Kathmandu', 'Asia/Kolkata', 'Australia/Sydney', 'Europe/London', 'America/Sao_Paulo',
  'Asia/Tokyo', 'Africa/Lagos', 'Europe/Paris', 'America/Mexico_City', 'Asia/Jakarta', 'Europe/Istanbul', 'Africa/Cairo', 'Africa/Nairobi', 'America/Argentina/Buenos_Aires', 'Europe/Warsaw',
  'Europe/Stockholm', 'America/Toronto', 'Asia/Singapore', 'Asia/Dubai', 'Pacific/Auckland', 'America/Chicago', 'Asia/Shanghai', 'Europe/Madrid', 'America/Santiago', 'Asia/Almaty',
];
// IR first: its hold is one of the feed's.
const REGIONS = ('IR NP DE US BR IN JP NG FR GB MX ID TR EG KE AR PL SE AU CA CL CO PE VE EC BO PY UY ZA MA DZ TN GH CI SN CM ET TZ UG RW ' +
  'ES PT IT NL BE CH AT CZ SK HU RO BG GR DK NO FI IE IS EE LV LT UA MD BY RU KZ UZ KG TJ TM AF PK BD LK MM TH VN KH LA MY PH SG ' +
  'KR CN TW HK MN NZ FJ PG SA AE QA KW BH OM JO LB IQ SY YE IL').split(' ');
const START = '2026-12-01T00:00:00Z';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, unknown>;
  ms: number;
}

/** Deterministic rows (ids from md5), so every build reads the same data. */
async function seed(db: DataSource): Promise<void> {
  await db.query(
    `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
     SELECT md5('one-off ' || i)::uuid, 'Patch, host group ' || i, 'team-' || (i % 60), i % 6 = 0,
            CASE WHEN i % 6 = 0 THEN '{}'::text[] ELSE ARRAY[($3::text[])[1 + (i % 100)], ($3::text[])[1 + ((i * 7) % 100)]] END,
            $1::timestamptz + ((i * 37) % (120 * 24)) * interval '1 hour', $1::timestamptz + ((i * 37) % (120 * 24)) * interval '1 hour' + interval '90 minutes',
            ($4::text[])[1 + (i % 30)], 'routine', CASE WHEN i % 50 = 0 THEN 'notify-only' ELSE 'hold' END, 'scheduled', $1::timestamptz + interval '120 days',
            $1::timestamptz - interval '30 days', $1::timestamptz - interval '30 days' + (i % 1000) * interval '1 minute'
       FROM generate_series(1, $2) AS i`,
    [START, ONE_OFF, REGIONS, ZONES],
  );
  await db.query(`INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) SELECT id, 1, starts_at, ends_at, 'scheduled' FROM maintenance_window`);
  await db.query(
    `WITH daily AS (
       INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, recurrence, priority, surge_policy, status, expanded_until, created_at, updated_at)
       SELECT md5('daily ' || i)::uuid, 'Nightly job ' || i, 'team-' || (i % 60), i % 10 = 0,
              CASE WHEN i % 10 = 0 THEN '{}'::text[] ELSE ARRAY[($3::text[])[1 + (i % 100)]] END,
              $1::timestamptz + (i % 24) * interval '1 hour', $1::timestamptz + (i % 24) * interval '1 hour' + interval '30 minutes',
              ($4::text[])[1 + (i % 30)], 'FREQ=DAILY', 'routine', 'hold', 'scheduled', $1::timestamptz + interval '90 days',
              $1::timestamptz - interval '30 days', $1::timestamptz - interval '30 days' + (i % 1000) * interval '1 minute'
         FROM generate_series(1, $2) AS i
       RETURNING id, starts_at, ends_at)
     INSERT INTO occurrence (window_id, number, starts_at, ends_at, status)
     SELECT id, n, starts_at + (n - 1) * interval '1 day', ends_at + (n - 1) * interval '1 day', 'scheduled' FROM daily, generate_series(1, 90) AS n`,
    [START, DAILY, REGIONS, ZONES],
  );
  // Runs before the clock (2027-01-10) went by: every fifth completed, one in 97 missed.
  await db.query(`
    UPDATE occurrence SET status = CASE WHEN number % 97 = 0 THEN 'missed' ELSE 'completed' END,
           started_at = CASE WHEN number % 97 = 0 THEN NULL ELSE starts_at END, completed_at = CASE WHEN number % 97 = 0 THEN NULL ELSE ends_at END,
           missed_at = CASE WHEN number % 97 = 0 THEN ends_at END
     WHERE ends_at < '2027-01-10T00:00:00Z' AND (number % 5 = 0 OR number % 97 = 0)`);
  // Hold k: ten days on region k from day 3k/4; k % 4: 0 active, 1 released, 2 active with every third run let through by an override,
  // 3 a cleared surge whose release was due on its third day (it no longer stops the runs after that).
  await db.query(
    `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at, released_at, release_due_at, clearance_recorded_at, cleared_at)
     SELECT md5('hold ' || k)::uuid, ARRAY[($2::text[])[1 + k]], 'Critical period in ' || ($2::text[])[1 + k] || ', number ' || k,
            CASE WHEN k % 4 = 3 THEN 'detector' ELSE 'manual' END, 'bench-' || k,
            $1::timestamptz + (k * 18) * interval '1 hour' - interval '1 hour', $1::timestamptz + (k * 18) * interval '1 hour', $1::timestamptz + (k * 18 + 240) * interval '1 hour',
            CASE WHEN k % 4 = 1 THEN $1::timestamptz + (k * 18 + 120) * interval '1 hour' END,
            CASE WHEN k % 4 = 3 THEN $1::timestamptz + (k * 18 + 72) * interval '1 hour' END,
            CASE WHEN k % 4 = 3 THEN $1::timestamptz + (k * 18 + 72) * interval '1 hour' - interval '25 minutes' END,
            CASE WHEN k % 4 = 3 THEN $1::timestamptz + (k * 18 + 72) * interval '1 hour' - interval '30 minutes' END
       FROM generate_series(0, $3 - 1) AS k`,
    [START, REGIONS, HOLDS],
  );
  await db.query(`
    INSERT INTO hold_occurrence (hold_id, window_id, number, run_starts_at, kind, held_at, released_at, overridden_by, override_reason, overridden_at)
    SELECT h.id, o.window_id, o.number, o.starts_at, CASE WHEN w.surge_policy = 'notify-only' THEN 'notify-only' ELSE 'held' END, h.placed_at, h.released_at,
           CASE WHEN h.cause_id LIKE '%2' AND o.number % 3 = 0 THEN 'team-' || (o.number % 60) END,
           CASE WHEN h.cause_id LIKE '%2' AND o.number % 3 = 0 THEN 'cannot wait' END,
           CASE WHEN h.cause_id LIKE '%2' AND o.number % 3 = 0 THEN h.placed_at + interval '2 hours' END
      FROM hold h JOIN maintenance_window w ON w.footprint_global OR w.footprint_regions && h.regions
      JOIN occurrence o ON o.window_id = w.id AND o.starts_at < h.until_at AND o.ends_at > h.from_at`);
  // A database in service is vacuumed: without it the first statement to read the fresh rows pays for setting their hint bits.
  await db.query('VACUUM ANALYZE');
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  const database = await plannerBenchDatabase('feed', log, false);
  let nowMs = Date.parse('2027-01-10T00:00:00Z');
  const clock = { now: () => new Date(nowMs), nowMs: () => nowMs };
  const config = plannerService.configFromEnvironment({
    DATABASE_URL: database.url,
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: `bench-feed-${Date.now().toString(36)}.`,
    LOG_LEVEL: 'silent',
    PLANNER_SWEEP_INTERVAL_SECONDS: '0',
    HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
    HOLDFAST_RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const app = await plannerService.createApp({ ...config, port: 0 }, { clock });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as { port: number }).port;
  const hostname = '127.0.0.1';
  const agent = new Agent({ keepAlive: true });
  const ask = (path: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const began = performance.now();
      get({ hostname, port, path, agent, headers: { authorization: `Bearer ${ADMIN_KEY}`, ...headers } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: Buffer.concat(chunks).toString(), headers: response.headers, ms: performance.now() - began }));
      }).on('error', reject);
    });
  /** One caller asking the gate back to back while `work` runs, with the event loop's longest stall meanwhile. */
  const gateWhile = async (work: () => Promise<void>) => {
    const { gateMs, loopStallMaxMs } = await gateCallerWhile(async () => (await ask('/v1/gate?regions=NP')).ms, work);
    return { answers: gateMs.length, gateMaxMs: Math.round(gateMs.at(-1)!), loopStallMaxMs };
  };
  try {
    const db = app.get(DataSource);
    log(`seeding ${ONE_OFF} one-off windows, ${DAILY} daily ones (90 runs each) and ${HOLDS} holds`);
    await seed(db);
    const [counts] = (await db.query(`SELECT (SELECT count(*) FROM occurrence) AS runs, (SELECT count(*) FROM hold_occurrence) AS links`)) as { runs: string; links: string }[];
    log(`${counts.runs} runs, ${counts.links} hold links`);
    // Every statement the feed's request sends, to run again under EXPLAIN ANALYZE.
    let captured: { sql: string; parameters?: unknown[] }[] | undefined;
    const query = db.query.bind(db);
    db.query = ((sql: string, parameters?: unknown[], runner?: never) => {
      captured?.push({ sql, parameters });
      return query(sql, parameters, runner);
    }) as typeof db.query;
    const path = '/v1/calendars/regions/IR.ics';
    const feed = async (headers: Record<string, string> = {}) => {
      nowMs += 1_000;
      return ask(path, headers);
    };
    await feed();
    await ask('/v1/gate?regions=NP');
    const rows: string[][] = [];
    const figures: Record<string, number | string>[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      captured = [];
      const alone = await feed();
      const statements = captured;
      captured = undefined;
      let sqlMs = 0;
      for (const { sql, parameters } of statements.filter((statement) => /^\s*(SELECT|WITH)/i.test(statement.sql))) {
        const plan = (await query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${sql}`, parameters)) as { 'QUERY PLAN': [{ 'Execution Time': number }] }[];
        sqlMs += plan[0]['QUERY PLAN'][0]['Execution Time'];
        if (process.env.FEED_PLAN && round === 1) {
          const text = (await query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, parameters)) as { 'QUERY PLAN': string }[];
          log(`plan:\n${text.map((line) => line['QUERY PLAN']).join('\n')}`);
        }
      }
      // The baseline: the gate asked back to back for as long as the feed took, with no feed.
      const quiet = await gateWhile(() => new Promise((resolve) => setTimeout(resolve, alone.ms)));
      let loaded!: Answer;
      const during = await gateWhile(async () => void (loaded = await feed()));
      const etag = String(alone.headers.etag ?? '');
      const again = await feed({ 'if-none-match': etag });
      const digest = createHash('sha256').update(alone.body.replace(/DTSTAMP:\S+/g, '')).digest('hex').slice(0, 16);
      const events = alone.body.split('BEGIN:VEVENT').length - 1;
      const figure = {
        round,
        events,
        kB: Math.round(alone.body.length / 1024),
        requestMs: Math.round(alone.ms),
        statements: statements.length,
        sqlMs: Math.round(sqlMs),
        loadedRequestMs: Math.round(loaded.ms),
        loopStallQuietMaxMs: quiet.loopStallMaxMs,
        loopStallMaxMs: during.loopStallMaxMs,
        gateQuietMaxMs: quiet.gateMaxMs,
        gateAnswers: during.answers,
        gateMaxMs: during.gateMaxMs,
        conditionalStatus: again.status,
        conditionalMs: Math.round(again.ms),
        digest,
      };
      figures.push(figure);
      rows.push(Object.values(figure).map(String));
      log(`round ${round}: ${JSON.stringify(figure)}`);
    }
    printTable(Object.keys(figures[0]), rows);
    const median = (key: string) => [...figures.map((figure) => Number(figure[key]))].sort((a, b) => a - b)[Math.floor(figures.length / 2)];
    const file = writeResults(
      'calendar-feed',
      { requestMs: median('requestMs'), sqlMs: median('sqlMs'), loopStallMaxMs: median('loopStallMaxMs'), gateMaxMs: median('gateMaxMs'), gateQuietMaxMs: median('gateQuietMaxMs'), conditionalMs: median('conditionalMs') },
      { oneOff: ONE_OFF, daily: DAILY, holds: HOLDS, runs: Number(counts.runs), links: Number(counts.links), rounds: figures },
    );
    log(`written ${file}`);
  } finally {
    agent.destroy();
    await app.close();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
