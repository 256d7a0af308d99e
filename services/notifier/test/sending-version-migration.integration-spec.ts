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

// Main carried other versions of 1767300000000 and 1767400000000 on 2026-12-04 from 14:31 to 17:29 UTC: what each left, as it left it.
const LEFT_BY_EARLIER_BUILDS = {
  'secret_version (14:31-15:27)': async (before: DataSource) => {
    await before.query('ALTER TABLE subscription ADD COLUMN secret_version integer NOT NULL DEFAULT 0');
    await before.query(`CREATE FUNCTION subscription_secrets_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN NEW.secret_version := OLD.secret_version + 1; RETURN NEW; END $$`);
    await before.query(`CREATE TRIGGER subscription_secrets_changed BEFORE UPDATE OF sealed_secret, previous_secrets ON subscription
      FOR EACH ROW WHEN (OLD.sealed_secret IS DISTINCT FROM NEW.sealed_secret OR OLD.previous_secrets IS DISTINCT FROM NEW.previous_secrets) EXECUTE FUNCTION subscription_secrets_changed()`);
  },
  'StopSendingWhenTurnedOff1767400000000 (15:27-17:29)': async (before: DataSource) => {
    await before.query('ALTER TABLE subscription ADD COLUMN sending_version integer NOT NULL DEFAULT 0');
    await before.query(`CREATE FUNCTION subscription_sending_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN NEW.sending_version := OLD.sending_version + 1; RETURN NEW; END $$`);
    await before.query(`CREATE TRIGGER subscription_sending_changed BEFORE UPDATE OF sealed_secret, previous_secrets, enabled, deleted_at, target ON subscription
      FOR EACH ROW WHEN (OLD.enabled IS DISTINCT FROM NEW.enabled) EXECUTE FUNCTION subscription_sending_changed()`);
    await before.query(`INSERT INTO ${before.options.migrationsTableName ?? 'migrations'} (timestamp, name) VALUES (1767400000000, 'StopSendingWhenTurnedOff1767400000000')`);
  },
};

describe.each(Object.entries(LEFT_BY_EARLIER_BUILDS))('notifier migration SubscriptionSendingVersion on the schema left by %s', (_, leave) => {
  let database: TestDatabase;
  let db: DataSource;

  beforeAll(async () => {
    ({ database, db } = await migratedThrough('notifier-sending-version-earlier', SubscriptionSendingVersion1767400000000, async (before) => {
      await before.query(
        `INSERT INTO subscription (id, owner_team, channel, target, sealed_secret, filters, enabled, created_by, created_at, updated_at)
         VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', 'sealed-current', '{}', true, 'spec', now(), now())`,
        [ID],
      );
      await leave(before);
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("applies (the notifier stopped at start on it), leaving this release's version and trigger alone", async () => {
    const columns = (await db.query(
      "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'subscription' AND column_name LIKE '%_version' ORDER BY 1",
    )) as { column_name: string }[];
    expect(columns.map(({ column_name }) => column_name)).toEqual(['sending_version']);
    const version = async () => ((await db.query('SELECT sending_version AS version FROM subscription WHERE id = $1', [ID])) as [{ version: number }])[0].version;
    const before = await version();
    await db.query("UPDATE subscription SET target = 'https://hooks.example.org/elsewhere' WHERE id = $1", [ID]);
    await db.query("UPDATE subscription SET sealed_secret = 'sealed-again' WHERE id = $1", [ID]);
    expect(await version()).toBe(before + 2);
  });
});
