import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeriesBaselineBuckets1764000300000 } from '../src/database/migrations/1764000300000-series-baseline-buckets';
import { DEFAULT_DETECTION_CONFIG, initialSeriesState, parseSeriesState, stepSeriesRun } from '../src/detection';
import { unpackSeriesState } from '../src/samples/stored-series-state';

const learned = () => {
  const samples = Array.from({ length: 400 }, (_, i) => ({ region: 'IR', metric: 'requests', at: new Date(Date.UTC(2026, 5, 1) + i * 300_000).toISOString(), value: 1000 + 321.7 * Math.sin(i / 9) }));
  return stepSeriesRun(initialSeriesState('IR', 'requests'), samples, { config: DEFAULT_DETECTION_CONFIG, zone: 'Asia/Tehran' }).state;
};

describe('migration 1764000300000: baseline buckets out of the jsonb state, on PostgreSQL', () => {
  let database: TestDatabase;
  let client: Client;
  // The migration only issues queries: a runner over one connection is all it needs.
  const runner = () => ({ query: async (sql: string, parameters?: unknown[]) => (await client.query(sql, parameters)).rows }) as unknown as QueryRunner;

  beforeAll(async () => {
    database = await createTestDatabase('series-state-migration');
    client = new Client({ connectionString: database.url });
    await client.connect();
    // series_state as migration 1764000200000 left it.
    await client.query(`CREATE TABLE series_state (
      region text NOT NULL, metric text NOT NULL, state jsonb NOT NULL, last_sample_at timestamptz, signal_lost_at timestamptz,
      published_baseline jsonb, baseline_published_at timestamptz, updated_at timestamptz NOT NULL, PRIMARY KEY (region, metric))`);
  });

  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('moves a learned state exactly, leaves an unreadable one alone, and puts the buckets back on the way down', async () => {
    const state = learned();
    await client.query(`INSERT INTO series_state (region, metric, state, updated_at) VALUES ('IR', 'requests', $1, now()), ('PK', 'requests', '{"version": 1}', now())`, [JSON.stringify(state)]);
    const migration = new SeriesBaselineBuckets1764000300000();

    await migration.up(runner());
    const rows = (await client.query(`SELECT region, state, baseline_buckets, samples_seen FROM series_state ORDER BY region`)).rows;
    expect(rows[0].state.baseline).not.toHaveProperty('hourOfWeek');
    expect(rows[0].samples_seen).toBe(400);
    expect(parseSeriesState(unpackSeriesState({ state: rows[0].state, buckets: rows[0].baseline_buckets }))).toEqual(state);
    expect(rows[1]).toMatchObject({ state: { version: 1 }, baseline_buckets: null, samples_seen: 0 });
    // What the start logs after the migration's name.
    expect(migration.report).toBe('moved the baseline of 1 series into baseline_buckets; left 1 series whose state the detector cannot read as it was, to start learning again: PK/requests');

    await migration.down(runner());
    const restored = (await client.query(`SELECT state FROM series_state WHERE region = 'IR'`)).rows[0].state;
    expect(parseSeriesState(restored)).toEqual(state);
  });
});
