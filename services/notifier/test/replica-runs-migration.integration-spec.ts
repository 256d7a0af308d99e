import { performance } from 'node:perf_hooks';
import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RememberReplicaRuns1769000100000 } from '../src/database/migrations/1769000100000-remember-replica-runs';
import { ReplicaClaims } from '../src/deliveries/replica-claims';
import { migratedThrough } from './support/migration-bed';

const SUBSCRIPTION = '0190e0c8-0000-7000-8000-000000000011';
const DELIVERY = '0190e0c8-0000-7000-8000-000000000012';

describe('notifier migration: the runs of a replica name, each vouching for its claims', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    ({ database, db } = await migratedThrough('notifier-replica-runs-migration', RememberReplicaRuns1769000100000, async (before) => {
      await before.query(
        `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at)
         VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', '{"eventTypes": [], "regions": [], "teams": [], "windowIds": []}', true, 'spec', now(), now())`,
        [SUBSCRIPTION],
      );
      // Left being sent under its name by a replica running the code before, killed before the upgrade.
      await before.query(
        `INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, lease_until, claimed_at, claimed_by, recorded_at)
         VALUES ($1, $2, 'webhook', 'https://hooks.example.org:443', $1, 'hold.placed', now(), 'c', 'hold:h', '{}', 'sending', 0, now(), now() + interval '1 minute', now(), 'notifier-0', now())`,
        [DELIVERY, SUBSCRIPTION],
      );
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('starts with no run vouching, so the replica taking the name takes back at once a claim the code before left under it', async () => {
    expect(await db.query('SELECT id FROM replica_run')).toEqual([]);
    const claims = new ReplicaClaims('notifier-0', { connectionString: database.url, options: '-c search_path=notifier' }, 60_000, 500, {
      query: (sql, parameters) => db.query(sql, parameters),
      sendingUnderName: () => false,
    });
    try {
      expect(await claims.start(performance.now())).toBe(true);
      expect(await db.query('SELECT name FROM replica_run')).toEqual([{ name: 'notifier-0' }]);
      expect(await claims.takeBack(new Date(), [], 1_000)).toEqual([DELIVERY]);
    } finally {
      await claims.close();
    }
    // Stopped cleanly, it vouches for nothing: the next run under the name need not wait for it.
    expect(await db.query('SELECT id FROM replica_run')).toEqual([]);
  });

  it('reverts to what the code before reads: no runs, the claims as they were', async () => {
    await db.undoLastMigration();
    expect(await db.query("SELECT table_name FROM information_schema.tables WHERE table_name = 'replica_run' AND table_schema = 'notifier'")).toEqual([]);
    expect(await db.query('SELECT status, claimed_by FROM delivery WHERE id = $1', [DELIVERY])).toEqual([{ status: 'sending', claimed_by: 'notifier-0' }]);
  });
});
