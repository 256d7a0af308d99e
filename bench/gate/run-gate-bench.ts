/**
 * The gate under load: the maintenance-planner itself (HTTP, its real migrations and tables) with
 * 100k windows and 1k active holds, asked "may I start now?" by windowId and by regions from a
 * few concurrent callers, as CI jobs and reboot agents would. Needs PostgreSQL and the broker the
 * service starts against (KAFKA_BROKERS, default the local one). Run: npm run bench:gate
 * (GATE_REQUESTS / GATE_CONCURRENCY to resize).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { localKafkaConfig, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { plannerService } from '../../services/maintenance-planner/src/app.module';
import { percentile, plannerBenchDatabase, seedWindows } from '../hold-fanout/planner-bench-database';

const ADMIN_KEY = `bench-admin-${randomBytes(24).toString('base64url')}`;
const headers = { authorization: `Bearer ${ADMIN_KEY}` };

const REQUESTS = Number(process.env.GATE_REQUESTS ?? 5_000);
const CONCURRENCY = Number(process.env.GATE_CONCURRENCY ?? 8);
const log = (line: string) => process.stdout.write(`[gate] ${line}\n`);
const REGIONS = ['IR', 'NP', 'DE', 'US', 'BR', 'IN', 'JP', 'NG', 'FR', 'GB', 'MX', 'ID', 'TR', 'EG', 'KE', 'AR', 'PL', 'SE', 'AU', 'CA'];

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  const database = await plannerBenchDatabase('gate', log, false);
  try {
    const config = plannerService.configFromEnvironment({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: `bench-gate-${Date.now().toString(36)}.`,
      LOG_LEVEL: 'silent',
      PLANNER_SWEEP_INTERVAL_SECONDS: '0',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      // CI jobs may poll the gate hard; the limit is not what is measured.
      HOLDFAST_RATE_LIMIT_PER_MINUTE: '0',
    });
    const app = await plannerService.createApp({ ...config, port: 0 });
    await app.listen(0, '127.0.0.1');
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    try {
      await database.dataSource.initialize();
      const now = new Date();
      log('seeding 100000 one-off windows over 7 days, 1000 recurring ones, and 1000 active holds');
      await seedWindows(database.dataSource, { oneOff: 100_000, recurring: 1_000, start: now, days: 7, irShare: 0.1 });
      await database.dataSource.query(
        `INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, from_at, until_at)
         SELECT gen_random_uuid(), ARRAY[($1::text[])[1 + (i % 20)]], 'bench hold ' || i, 'manual', 'bench-' || i, $2::timestamptz, $2::timestamptz - interval '1 hour', CASE WHEN i % 2 = 0 THEN $2::timestamptz + interval '1 day' END
           FROM generate_series(1, 1000) AS i`,
        [REGIONS, now],
      );
      await database.dataSource.query('ANALYZE');
      const windowIds = ((await database.dataSource.query('SELECT id FROM maintenance_window ORDER BY random() LIMIT 1000')) as { id: string }[]).map((row) => row.id);

      const cases = [
        { name: 'GET /v1/gate?windowId=<one of 100k>', path: (index: number) => `/v1/gate?windowId=${windowIds[index % windowIds.length]}` },
        { name: 'GET /v1/gate?regions=<two codes>', path: (index: number) => `/v1/gate?regions=${REGIONS[index % 20]},${REGIONS[(index + 7) % 20]}` },
      ];
      const rows = [];
      for (const gateCase of cases) {
        for (let index = 0; index < 200; index++) await fetch(base + gateCase.path(index), { headers }).then((response) => response.arrayBuffer());
        const latencies: number[] = [];
        const outcomes = { allowed: 0, held: 0 };
        let next = 0;
        const began = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < REQUESTS) {
              const index = next++;
              const sent = performance.now();
              const response = await fetch(base + gateCase.path(index), { headers });
              await response.arrayBuffer();
              latencies.push(performance.now() - sent);
              if (response.status === 200) outcomes.allowed++;
              else if (response.status === 423) outcomes.held++;
              else throw new Error(`gate answered ${response.status}`);
            }
          }),
        );
        const seconds = (performance.now() - began) / 1000;
        latencies.sort((a, b) => a - b);
        rows.push({ case: gateCase.name, answers: REQUESTS, ...outcomes, 'answers/s': Math.round(REQUESTS / seconds), 'p50 ms': percentile(latencies, 0.5), 'p99 ms': percentile(latencies, 0.99) });
      }
      console.table(rows.map((row) => ({ ...row, 'p50 ms': row['p50 ms'].toFixed(2), 'p99 ms': row['p99 ms'].toFixed(2) })));
      const headline = { gateP99Ms: Number(Math.max(...rows.map((row) => row['p99 ms'])).toFixed(2)), gatePerSecond: Math.min(...rows.map((row) => row['answers/s'])) };
      log(`headline: p99 ${headline.gateP99Ms} ms (goal < 5 ms), ${headline.gatePerSecond} answers/s with ${CONCURRENCY} callers (worst case of the two)`);
      mkdirSync('bench/results', { recursive: true });
      writeFileSync('bench/results/gate.json', `${JSON.stringify({ headline, windows: 101_000, activeHolds: 1_000, concurrency: CONCURRENCY, cases: rows, node: process.version, measuredAt: new Date().toISOString() }, null, 2)}\n`);
    } finally {
      await app.close();
    }
  } finally {
    await database.drop();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`[gate] failed: ${error.stack ?? error.message}\nIs PostgreSQL up (DATABASE_URL) and the broker reachable (npm run kafka:status)?\n`);
  process.exit(1);
});
