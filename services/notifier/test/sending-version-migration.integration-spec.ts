import { runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';
import { StopSendingWhenTurnedOff1767400000000 } from '../src/database/migrations/1767400000000-stop-sending-when-turned-off';

const SCHEMA = 'notifier';
const ID = '0190e0c8-0000-7000-8000-000000000003';

const dataSource = (url: string, migrations: unknown[]) =>
  new DataSource({ type: 'postgres', url, schema: SCHEMA, migrations: migrations as DataSource['options']['migrations'], extra: { max: 2, options: `-c search_path=${SCHEMA}` } });

describe('notifier migration: the version the workers compare is bumped when a subscription is turned off or on, deleted, or moved to another target, too', () => {
  let database: TestDatabase;
  let db: DataSource;
  const quiet = { info: () => undefined };

  beforeAll(async () => {
    database = await createTestDatabase('notifier-sending-version-migration');
    const migrations = notifierService.database(notifierService.configFromEnvironment({ ...process.env, DATABASE_URL: database.url })).migrations as unknown[];
    const all = migrations.slice(0, migrations.indexOf(StopSendingWhenTurnedOff1767400000000) + 1);
    const before = dataSource(database.url, all.slice(0, -1));
    await before.initialize();
    await runMigrations(before, quiet);
    await before.query(
      `INSERT INTO subscription (id, owner_team, channel, target, sealed_secret, filters, enabled, created_by, created_at, updated_at)
       VALUES ($1, 'edge', 'webhook', 'https://hooks.example.org', 'sealed-current', '{}', true, 'spec', now(), now())`,
      [ID],
    );
    await before.query("UPDATE subscription SET sealed_secret = 'sealed-rotated' WHERE id = $1", [ID]);
    await before.destroy();
    db = dataSource(database.url, all);
    await db.initialize();
    expect(await runMigrations(db, quiet)).toEqual(['StopSendingWhenTurnedOff1767400000000']);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  const version = async (column = 'sending_version') => ((await db.query(`SELECT ${column} AS version FROM subscription WHERE id = $1`, [ID])) as [{ version: number }])[0].version;

  it('keeps the number, and bumps it on turning off, on, deleting, a target and a secret, not on anything else', async () => {
    expect(await version()).toBe(1);
    await db.query("UPDATE subscription SET description = 'not a stop', enabled = enabled WHERE id = $1", [ID]);
    expect(await version()).toBe(1);
    await db.query('UPDATE subscription SET enabled = false WHERE id = $1', [ID]);
    expect(await version()).toBe(2);
    await db.query('UPDATE subscription SET enabled = true WHERE id = $1', [ID]);
    expect(await version()).toBe(3);
    await db.query('UPDATE subscription SET deleted_at = now() WHERE id = $1', [ID]);
    expect(await version()).toBe(4);
    await db.query("UPDATE subscription SET sealed_secret = 'sealed-again' WHERE id = $1", [ID]);
    expect(await version()).toBe(5);
    await db.query("UPDATE subscription SET target = 'https://hooks.example.org/elsewhere' WHERE id = $1", [ID]);
    expect(await version()).toBe(6);
    await db.query("UPDATE subscription SET target = target, filters = '{}' WHERE id = $1", [ID]);
    expect(await version()).toBe(6);
  });

  it('goes back to a secret_version bumped on secrets only when reverted', async () => {
    await db.undoLastMigration({ transaction: 'each' });
    expect(await version('secret_version')).toBe(6);
    await db.query("UPDATE subscription SET enabled = false, deleted_at = NULL, target = 'https://hooks.example.org' WHERE id = $1", [ID]);
    expect(await version('secret_version')).toBe(6);
    await db.query("UPDATE subscription SET sealed_secret = 'sealed-last' WHERE id = $1", [ID]);
    expect(await version('secret_version')).toBe(7);
  });
});
