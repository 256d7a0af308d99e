import { runMigrations } from '@holdfast/database';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { plannerService } from '../../services/maintenance-planner/src/app.module';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const PLANNER_SCHEMA = 'maintenance_planner';

export interface BenchDatabase {
  url: string;
  dataSource: DataSource;
  drop(): Promise<void>;
}

/** A fresh database with every migration the planner applies at start; `migrate: false` leaves that to the service itself. */
export async function plannerBenchDatabase(name: string, log: (line: string) => void, migrate = true): Promise<BenchDatabase> {
  const databaseName = `holdfast_bench_${name}_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${databaseName}`;
  const dataSource = new DataSource({
    type: 'postgres',
    url: url.toString(),
    schema: PLANNER_SCHEMA,
    migrations: plannerService.database(plannerService.configFromEnvironment({ DATABASE_URL: url.toString() })).migrations,
    extra: { max: 4, options: `-c search_path=${PLANNER_SCHEMA}` },
  });
  if (migrate) {
    await dataSource.initialize();
    await runMigrations(dataSource, { info: log });
  }
  return {
    url: url.toString(),
    dataSource,
    async drop() {
      await dataSource.destroy().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
      await admin.end();
    },
  };
}

const REGIONS = ['IR', 'NP', 'DE', 'US', 'BR', 'IN', 'JP', 'NG', 'FR', 'GB', 'MX', 'ID', 'TR', 'EG', 'KE', 'AR', 'PL', 'SE', 'AU', 'CA'];

/**
 * `oneOff` one-off windows and `recurring` daily ones (90 occurrences each), spread over
 * `days` from `start`; `irShare` of them have IR in their footprint (the rest two other regions).
 */
export async function seedWindows(db: DataSource, options: { oneOff: number; recurring: number; start: Date; days: number; irShare: number }): Promise<void> {
  const start = options.start.toISOString();
  await db.query(
    `INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, priority, surge_policy, status, expanded_until, created_at, updated_at)
     SELECT gen_random_uuid(), 'window ' || i, 'team-' || (i % 50), false,
            CASE WHEN random() < $4 THEN ARRAY['IR', ($5::text[])[1 + (i % 19)]] ELSE ARRAY[($5::text[])[1 + (i % 19)], ($5::text[])[1 + ((i + 7) % 19)]] END,
            $1::timestamptz + (i % ($3 * 24 * 12)) * interval '5 minutes', $1::timestamptz + (i % ($3 * 24 * 12)) * interval '5 minutes' + interval '1 hour',
            'UTC', 'routine', CASE WHEN i % 100 = 0 THEN 'notify-only' ELSE 'hold' END, 'scheduled', $1::timestamptz + interval '90 days', now(), now()
       FROM generate_series(1, $2) AS i`,
    [start, options.oneOff, options.days, options.irShare, REGIONS.slice(1)],
  );
  await db.query(`INSERT INTO occurrence (window_id, number, starts_at, ends_at, status) SELECT id, 1, starts_at, ends_at, 'scheduled' FROM maintenance_window`);
  await db.query(
    `WITH recurring AS (
       INSERT INTO maintenance_window (id, title, owner_team, footprint_global, footprint_regions, starts_at, ends_at, planned_zone, recurrence, priority, surge_policy, status, expanded_until, created_at, updated_at)
       SELECT gen_random_uuid(), 'nightly ' || i, 'team-' || (i % 50), i % 10 = 0, CASE WHEN i % 10 = 0 THEN '{}'::text[] ELSE ARRAY['IR'] END,
              $1::timestamptz + (i % 24) * interval '1 hour', $1::timestamptz + (i % 24) * interval '1 hour' + interval '30 minutes',
              'UTC', 'FREQ=DAILY', 'routine', 'hold', 'scheduled', $1::timestamptz + interval '90 days', now(), now()
         FROM generate_series(1, $2) AS i
       RETURNING id, starts_at, ends_at)
     INSERT INTO occurrence (window_id, number, starts_at, ends_at, status)
     SELECT id, n, starts_at + (n - 1) * interval '1 day', ends_at + (n - 1) * interval '1 day', 'scheduled' FROM recurring, generate_series(1, 90) AS n`,
    [start, options.recurring],
  );
  // A database in service is vacuumed: without it the first statement to read the fresh rows pays for setting their hint bits.
  await db.query('VACUUM ANALYZE');
}
