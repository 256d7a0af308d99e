import type { TestDatabase } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubscriptionSendingVersion1767400000000 } from '../src/database/migrations/1767400000000-subscription-sending-version';
import { migratedThrough } from './support/migration-bed';

const ID = '0190e0c8-0000-7000-8000-000000000003';

describe('notifier migration: a version the workers compare, bumped whenever what a delivery is sent with changes', () => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    ({ database, db } = await migratedThrough('notifier-sending-version-migration', SubscriptionSendingVersion1767400000000, async (before) => {
      await before.query(
        `INSERT INTO subscription (id, owner_team, channel, target, sealed_secret, filters, enabled, created_by, created_at, updated_at)
         VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', 'sealed-current', '{}', true, 'spec', now(), now())`,
        [ID],
      );
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const version = async () => ((await db.query('SELECT sending_version AS version FROM subscription WHERE id = $1', [ID])) as [{ version: number }])[0].version;

  it('bumps it on turning off, on, deleting, a secret, a kept secret and a target, and on nothing else', async () => {
    expect(await version()).toBe(0);
    await db.query("UPDATE subscription SET description = 'not a stop', enabled = enabled, filters = '{}' WHERE id = $1", [ID]);
    expect(await version()).toBe(0);
    const steps = [
      'UPDATE subscription SET enabled = false WHERE id = $1',
      'UPDATE subscription SET enabled = true WHERE id = $1',
      'UPDATE subscription SET deleted_at = now() WHERE id = $1',
      "UPDATE subscription SET sealed_secret = 'sealed-again' WHERE id = $1",
      `UPDATE subscription SET previous_secrets = '[{"sealed": "sealed-current", "until": "2026-06-15T21:00:00.000Z"}]' WHERE id = $1`,
      "UPDATE subscription SET target = 'https://hooks.example.org/elsewhere' WHERE id = $1",
    ];
    for (const [index, step] of steps.entries()) {
      await db.query(step, [ID]);
      expect(await version(), step).toBe(index + 1);
    }
    // Written again as it is, nothing changed: the workers' copies stay good.
    await db.query('UPDATE subscription SET sealed_secret = sealed_secret, previous_secrets = previous_secrets, target = target, enabled = enabled WHERE id = $1', [ID]);
    expect(await version()).toBe(steps.length);
  });

  it('drops the version and its trigger when reverted', async () => {
    await db.undoLastMigration({ transaction: 'each' });
    expect(await db.query("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'subscription' AND column_name = 'sending_version'")).toEqual([]);
    await db.query('UPDATE subscription SET enabled = false WHERE id = $1', [ID]);
    expect(await db.query('SELECT enabled FROM subscription WHERE id = $1', [ID])).toEqual([{ enabled: false }]);
  });
});
