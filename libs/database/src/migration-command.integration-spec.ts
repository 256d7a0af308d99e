import { createTestDatabase, expectEventually, type TestDatabase } from '@holdfast/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dataSourceOptions } from './data-source.factory';
import { migrateFromCommandLine } from './migration-command';

class RefusedByPostgres1700000000000 implements MigrationInterface {
  name = 'RefusedByPostgres1700000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE no_such_table ADD COLUMN x integer');
  }
  async down(): Promise<void> {}
}

describe('the migrate command, when it fails', () => {
  let database: TestDatabase;
  const said: string[] = [];
  const dataSourceAt = (url: string) =>
    new DataSource(dataSourceOptions({ settings: { url, schema: 'spec_migrate', poolSize: 2, connectWaitMs: 0 }, entities: [], migrations: [RefusedByPostgres1700000000000], applicationName: 'migrate-command-spec' }));

  beforeAll(async () => {
    database = await createTestDatabase('migration-command');
  });

  afterEach(() => {
    said.length = 0;
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await database?.drop();
  });

  const runAndExit = async (dataSource: DataSource): Promise<number> => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => said.push(String(text)) > 0);
    let code: number | undefined;
    vi.spyOn(process, 'exit').mockImplementation(((exitCode?: number) => {
      code = exitCode;
    }) as typeof process.exit);
    migrateFromCommandLine(dataSource, []);
    await expectEventually(() => expect(code).toBeDefined());
    return code as number;
  };

  it("names the migration's own error, not the connection, when a migration fails", async () => {
    expect(await runAndExit(dataSourceAt(database.url))).toBe(1);
    expect(said.join('')).toMatch(/^\[migrate\] failed: .*no_such_table.*\nThe failing migration was rolled back and none after it ran/s);
    expect(said.join('')).not.toContain('DATABASE_URL');
  });

  it('says nothing was migrated, not that a migration failed, on a schema a newer release migrated', async () => {
    const newer = dataSourceAt(database.url);
    await newer.initialize();
    await newer.query('CREATE SCHEMA IF NOT EXISTS spec_migrate');
    await newer.query('CREATE TABLE IF NOT EXISTS spec_migrate.schema_migration (id serial PRIMARY KEY, "timestamp" bigint NOT NULL, name varchar NOT NULL)');
    await newer.query(`INSERT INTO spec_migrate.schema_migration ("timestamp", name) VALUES (1799999999999, 'FutureThing1799999999999')`);
    await newer.destroy();
    expect(await runAndExit(dataSourceAt(database.url))).toBe(1);
    expect(said.join('')).toMatch(/^\[migrate\] failed: schema spec_migrate was migrated by a newer Holdfast release: it records FutureThing1799999999999, [^\n]*\nNothing was migrated\.\n$/);
    await (await dataSourceAt(database.url).initialize()).query('DROP SCHEMA spec_migrate CASCADE');
  });

  it('says to check DATABASE_URL when it never connected', async () => {
    expect(await runAndExit(dataSourceAt('postgres://postgres@127.0.0.1:1/none'))).toBe(1);
    expect(said.join('')).toContain('Check DATABASE_URL and that PostgreSQL answers; nothing was migrated.');
  });
});
