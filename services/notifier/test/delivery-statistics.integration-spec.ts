import { runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { DeliveryStatistics, RECORDED_BEFORE_ANALYZE } from '../src/deliveries/delivery-statistics';

const SCHEMA = 'notifier';
const SUBSCRIPTION = '0190e0c8-0000-7000-8000-0000000000aa';

/** `count` deliveries of one subscription, each under a key of its own (a window's), in `status`. */
const insertDeliveries = (db: DataSource, count: number, status: 'pending' | 'delivered', from: number) =>
  db.query(
    `INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, recorded_at, finished_at)
     SELECT gen_random_uuid(), $1, 'webhook', 'http://127.0.0.1:9', gen_random_uuid(), 'window.held', now(), 'c', 'window:' || n, '{}', $2, 0, now(), now(), CASE WHEN $2 = 'delivered' THEN now() END
       FROM generate_series($3::int, $3::int + $4::int - 1) AS n`,
    [SUBSCRIPTION, status, from, count],
  );

/** What PostgreSQL's statistics make of the open deliveries: the row count it plans the worker's claim for. */
async function plannedOpen(db: DataSource): Promise<number> {
  const [{ 'QUERY PLAN': plan }] = (await db.query(`EXPLAIN (FORMAT JSON) SELECT id FROM delivery WHERE status IN ('pending', 'sending')`)) as { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }[];
  return plan[0].Plan['Plan Rows'];
}

describe('notifier: the delivery table analyzed through a burst of recordings', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('notifier-delivery-statistics');
    const migrations = notifierService.database(notifierService.configFromEnvironment({ ...process.env, DATABASE_URL: database.url })).migrations as DataSource['options']['migrations'];
    db = new DataSource({ type: 'postgres', url: database.url, schema: SCHEMA, migrations, extra: { max: 2, options: `-c search_path=${SCHEMA}` } });
    await db.initialize();
    await runMigrations(db, { info: () => undefined });
    // Only the statistics under test analyze the table, whatever the server's autovacuum does meanwhile.
    await db.query('ALTER TABLE delivery SET (autovacuum_enabled = false)');
    await db.query(
      `INSERT INTO subscription (id, owner_team, channel, target, sealed_secret, filters, enabled, created_by, created_at, updated_at)
       VALUES ($1, 'edge', 'webhook', 'http://127.0.0.1:9', 'sealed', '{}', true, 'spec', now(), now())`,
      [SUBSCRIPTION],
    );
    // Weeks of history, all delivered, analyzed as autovacuum last left it: nothing open.
    await insertDeliveries(db, 5_000, 'delivered', 0);
    await db.query('ANALYZE delivery');
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('analyzes the table once a surge has recorded RECORDED_BEFORE_ANALYZE deliveries, so the claim is planned for the open ones there are', async () => {
    expect(await plannedOpen(db)).toBeLessThan(10);
    const statistics = new DeliveryStatistics(db);
    // As DeliveriesService records them: an event's deliveries in its transaction, then counted.
    for (let batch = 0; batch < RECORDED_BEFORE_ANALYZE / 100; batch++) {
      await insertDeliveries(db, 100, 'pending', 10_000 + batch * 100);
      statistics.recorded(100);
    }
    await statistics.settled();
    expect(await plannedOpen(db)).toBeGreaterThan(RECORDED_BEFORE_ANALYZE / 2);
  });

  it('leaves the table alone below the threshold', async () => {
    const [{ before }] = (await db.query(`SELECT analyze_count::int AS before FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'delivery'`, [SCHEMA])) as { before: number }[];
    const statistics = new DeliveryStatistics(db);
    statistics.recorded(RECORDED_BEFORE_ANALYZE - 1);
    await statistics.settled();
    const [{ after }] = (await db.query(`SELECT analyze_count::int AS after FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'delivery'`, [SCHEMA])) as { after: number }[];
    expect(after).toBe(before);
  });
});
