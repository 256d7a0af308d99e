import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionTurnedOffAt1768400000000 } from '../src/database/migrations/1768400000000-subscription-turned-off-at';
import { migratedThrough } from './support/migration-bed';

const ON = '0190e0c8-0000-7000-8000-000000000001';
const OFF = '0190e0c8-0000-7000-8000-000000000002';
const ALSO_OFF = '0190e0c8-0000-7000-8000-000000000003';
const DELETED = '0190e0c8-0000-7000-8000-000000000004';

describe('notifier migration: when a subscription was turned off', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];
  let startedAt: Date;

  beforeAll(async () => {
    startedAt = new Date();
    ({ database, db, reported } = await migratedThrough('notifier-turned-off-at-migration', SubscriptionTurnedOffAt1768400000000, async (before) => {
      for (const [id, enabled, deletedAt] of [
        [ON, true, null],
        [OFF, false, null],
        [ALSO_OFF, false, null],
        [DELETED, false, '2026-12-01Z'],
      ]) {
        await before.query(
          `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at, deleted_at)
           VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', '{}', $2, 'spec', now(), now(), $3)`,
          [id, enabled, deletedAt],
        );
      }
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('dates the subscriptions off at the upgrade from it, and says in the start log how many it dated and what that changes', async () => {
    const rows = (await db.query('SELECT id, turned_off_at FROM subscription ORDER BY id')) as { id: string; turned_off_at: Date | null }[];
    expect(rows.map((row) => [row.id, row.turned_off_at === null ? null : row.turned_off_at >= new Date(startedAt.getTime() - 1_000)])).toEqual([
      [ON, null],
      [OFF, true],
      [ALSO_OFF, true],
      [DELETED, null],
    ]);
    expect(reported).toEqual([
      'schema notifier: SubscriptionTurnedOffAt1768400000000 dated 2 subscription(s) turned off at the upgrade as turned off from it: their events are recorded dead unsent from now on, and sent when they are turned on again',
    ]);
  });
});
