import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RememberDeliveryClaims1768900200000 } from '../src/database/migrations/1768900200000-remember-delivery-claims';
import { migratedThrough } from './support/migration-bed';

const SUBSCRIPTION = '0190e0c8-0000-7000-8000-000000000001';
const DELIVERY = '0190e0c8-0000-7000-8000-000000000002';

describe('notifier migration: delivery claims dated and named, and the interrupted attempt', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    ({ database, db } = await migratedThrough('notifier-delivery-claims-migration', RememberDeliveryClaims1768900200000, async (before) => {
      await before.query(
        `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at)
         VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', '{"eventTypes": [], "regions": [], "teams": [], "windowIds": []}', true, 'spec', now(), now())`,
        [SUBSCRIPTION],
      );
      // Being sent when the notifier was upgraded: claimed by the code before, which dated and named no claim.
      await before.query(
        `INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, lease_until, recorded_at)
         VALUES ($1, $2, 'webhook', 'https://hooks.example.org:443', $1, 'hold.placed', now(), 'c', 'hold:h', '{}', 'sending', 0, now(), now() + interval '1 minute', now())`,
        [DELIVERY, SUBSCRIPTION],
      );
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('leaves a claim made before undated and unnamed, and takes an interrupted attempt', async () => {
    expect(await db.query('SELECT status, claimed_at, claimed_by FROM delivery WHERE id = $1', [DELIVERY])).toEqual([{ status: 'sending', claimed_at: null, claimed_by: null }]);
    await db.query(`INSERT INTO delivery_attempt (id, delivery_id, number, started_at, duration_ms, status_code, error, outcome) VALUES (gen_random_uuid(), $1, 1, now(), 0, NULL, 'interrupted: ...', 'interrupted')`, [DELIVERY]);
    await expect(db.query(`INSERT INTO delivery_attempt (id, delivery_id, number, started_at, duration_ms, outcome) VALUES (gen_random_uuid(), $1, 2, now(), 0, 'lost')`, [DELIVERY])).rejects.toThrow(/delivery_attempt_outcome_check/);
  });

  it('reverts to what the code before reads: an interrupted attempt as one retried, its error kept, and no claim columns', async () => {
    await db.undoLastMigration();
    expect(await db.query('SELECT number, outcome, error FROM delivery_attempt WHERE delivery_id = $1', [DELIVERY])).toEqual([{ number: 1, outcome: 'retry', error: 'interrupted: ...' }]);
    expect(await db.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'delivery' AND column_name LIKE 'claimed%' AND table_schema = 'notifier'")).toEqual([]);
    await expect(db.query(`INSERT INTO delivery_attempt (id, delivery_id, number, started_at, duration_ms, outcome) VALUES (gen_random_uuid(), $1, 2, now(), 0, 'interrupted')`, [DELIVERY])).rejects.toThrow(/delivery_attempt_outcome_check/);
  });
});
