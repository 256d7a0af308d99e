import { runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { expect } from 'vitest';
import { notifierService } from '../../src/app.module';

const SCHEMA = 'notifier';
const quiet = { info: () => undefined };

const dataSource = (url: string, migrations: unknown[]) =>
  new DataSource({ type: 'postgres', url, schema: SCHEMA, migrations: migrations as DataSource['options']['migrations'], extra: { max: 2, options: `-c search_path=${SCHEMA}` } });

/**
 * What a spec of one notifier migration starts from: a database migrated up to the one before
 * `migration`, `seed` run on it (rows as the code before left them), then `migration` run, and only
 * it, so reverting the last migration reverts it. `reported` holds the lines its report added to
 * that start's log (none when it set no report).
 */
export async function migratedThrough(
  label: string,
  migration: { name: string },
  seed: (before: DataSource) => Promise<void>,
): Promise<{ database: TestDatabase; db: DataSource; reported: string[] }> {
  const database = await createTestDatabase(label);
  const migrations = notifierService.database(notifierService.configFromEnvironment({ ...process.env, DATABASE_URL: database.url })).migrations as unknown[];
  expect(migrations).toContain(migration);
  const through = migrations.slice(0, migrations.indexOf(migration) + 1);
  const before = dataSource(database.url, through.slice(0, -1));
  await before.initialize();
  await runMigrations(before, quiet);
  await seed(before);
  await before.destroy();
  const db = dataSource(database.url, through);
  await db.initialize();
  const said: string[] = [];
  expect(await runMigrations(db, { info: (line) => said.push(line) })).toEqual([migration.name]);
  expect(said[0]).toBe(`schema ${SCHEMA}: applied ${migration.name}`);
  return { database, db, reported: said.slice(1) };
}
