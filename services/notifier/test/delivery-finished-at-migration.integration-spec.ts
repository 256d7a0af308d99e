import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveryFinishedAt1767100000000 } from '../src/database/migrations/1767100000000-delivery-finished-at';
import { migratedThrough } from './support/migration-bed';

const SUBSCRIPTION = '0190e0c8-0000-7000-8000-000000000001';
const delivery = (n: number) => `0190e0c8-0000-7000-8000-0000000000d${n}`;

describe('notifier migration: when a delivery finished', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];

  beforeAll(async () => {
    ({ database, db, reported } = await migratedThrough('notifier-finished-at-migration', DeliveryFinishedAt1767100000000, async (before) => {
      await before.query(
        `INSERT INTO subscription (id, owner_team, channel, target, filters, enabled, created_by, created_at, updated_at)
         VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', '{}', true, 'spec', now(), now())`,
        [SUBSCRIPTION],
      );
      for (const [n, status, deliveredAt] of [
        [1, 'delivered', '2026-12-01T10:00:05Z'],
        [2, 'dead', null],
        [3, 'cancelled', null],
        [4, 'pending', null],
      ] as const) {
        await before.query(
          `INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, recorded_at, delivered_at)
           VALUES ($1, $2, 'webhook', 'https://hooks.example.org:443', $1, 'hold.placed', '2026-12-01T10:00Z', 'c', 'IR', '{}', $3, 1, '2026-12-01T10:00Z', '2026-12-01T10:00Z', $4)`,
          [delivery(n), SUBSCRIPTION, status, deliveredAt],
        );
      }
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('dates the finished deliveries, and says in the start log how many, and that the prune counts from then', async () => {
    expect(await db.query('SELECT id, finished_at FROM delivery ORDER BY id')).toEqual([
      { id: delivery(1), finished_at: new Date('2026-12-01T10:00:05Z') },
      { id: delivery(2), finished_at: new Date('2026-12-01T10:00Z') },
      { id: delivery(3), finished_at: new Date('2026-12-01T10:00Z') },
      { id: delivery(4), finished_at: null },
    ]);
    expect(reported).toEqual([
      'schema notifier: DeliveryFinishedAt1767100000000 dated 3 finished delivery(ies) (delivered, dead or cancelled) at their delivery, else when they were last due: each is pruned NOTIFIER_DELIVERY_RETENTION_DAYS after that date',
    ]);
  });
});
