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

const thing = (name: string, sql: { up: string; down: string }) =>
  ({
    [name]: class implements MigrationInterface {
      name = name;
      async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(sql.up);
      }
      async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(sql.down);
      }
    },
  })[name];
const CreateThing1700000000000 = thing('CreateThing1700000000000', { up: 'CREATE TABLE thing (id integer PRIMARY KEY)', down: 'DROP TABLE thing' });
const ThingName1700000100000 = thing('ThingName1700000100000', { up: 'ALTER TABLE thing ADD COLUMN name text', down: 'ALTER TABLE thing DROP COLUMN name' });
const ThingSize1700000200000 = thing('ThingSize1700000200000', { up: 'ALTER TABLE thing ADD COLUMN size integer', down: 'ALTER TABLE thing DROP COLUMN size' });
const EVERY_THING = [CreateThing1700000000000, ThingName1700000100000, ThingSize1700000200000];

describe('the migrate command going back, and checking', () => {
  let database: TestDatabase;
  const dataSourceAt = (migrations: (new () => MigrationInterface)[]) =>
    new DataSource(dataSourceOptions({ settings: { url: database.url, schema: 'spec_back', poolSize: 2, connectWaitMs: 0 }, entities: [], migrations, applicationName: 'notifier' }));

  beforeAll(async () => {
    database = await createTestDatabase('migration-command-back');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await database?.drop();
  });

  /** Runs the command as `main.js migrate ...argv` does: what it printed, and the exit code it asked for (none when it succeeded). */
  const command = async (argv: string[], migrations = EVERY_THING): Promise<{ out: string; err: string; code: number | undefined }> => {
    const printed = { out: '', err: '' };
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => ((printed.out += String(text)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => ((printed.err += String(text)), true));
    let code: number | undefined;
    vi.spyOn(process, 'exit').mockImplementation(((exitCode?: number) => {
      code = exitCode;
    }) as typeof process.exit);
    await migrateFromCommandLine(dataSourceAt(migrations), argv);
    vi.restoreAllMocks();
    return { ...printed, code };
  };
  const recorded = async () => {
    const dataSource = await dataSourceAt([]).initialize();
    try {
      return ((await dataSource.query('SELECT name FROM spec_back.schema_migration ORDER BY id')) as { name: string }[]).map(({ name }) => name);
    } finally {
      await dataSource.destroy();
    }
  };

  it('names the migration a revert undid and the one now last, and says when nothing is left to revert', async () => {
    expect((await command([])).code).toBeUndefined();
    expect(await command(['revert'])).toEqual({
      out: '[migrate] schema spec_back: reverted ThingSize1700000200000; the last applied is now ThingName1700000100000\n',
      err: '',
      code: undefined,
    });
    expect((await command(['revert'])).out).toBe('[migrate] schema spec_back: reverted ThingName1700000100000; the last applied is now CreateThing1700000000000\n');
    expect((await command(['revert'])).out).toBe('[migrate] schema spec_back: reverted CreateThing1700000000000; no migration is applied now\n');
    expect(await command(['revert'])).toEqual({ out: '[migrate] schema spec_back: no migration is applied: nothing to revert\n', err: '', code: undefined });
    expect(await recorded()).toEqual([]);
  });

  it('reverts the newer migrations until the one --to names is the last applied, naming each', async () => {
    await command([]);
    expect(await command(['revert', '--to', 'CreateThing1700000000000'])).toEqual({
      out:
        '[migrate] schema spec_back: reverted ThingSize1700000200000; the last applied is now ThingName1700000100000\n' +
        '[migrate] schema spec_back: reverted ThingName1700000100000; the last applied is now CreateThing1700000000000\n',
      err: '',
      code: undefined,
    });
    expect(await recorded()).toEqual(['CreateThing1700000000000']);
    expect((await command(['revert', '--to=CreateThing1700000000000'])).out).toBe('[migrate] schema spec_back: CreateThing1700000000000 is already the last applied migration: nothing to revert\n');
    await command(['revert']);
  });

  it('refuses --to a migration the schema has not applied, reverting nothing', async () => {
    await command([]);
    await command(['revert']);
    const refused = await command(['revert', '--to', 'ThingSize1700000200000']);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      '[migrate] failed: schema spec_back has not applied ThingSize1700000200000, so it cannot be reverted to it; it records CreateThing1700000000000, ThingName1700000100000 (newest last).\n' +
        'Nothing was reverted.\n',
    );
    expect(await recorded()).toEqual(['CreateThing1700000000000', 'ThingName1700000100000']);
    expect((await command(['revert', '--to'])).err).toBe('[migrate] failed: revert --to needs the name of the migration to keep as the last applied (migrate revert --to <MigrationName>).\nNothing was reverted.\n');
    await command(['revert', '--to', 'CreateThing1700000000000']);
    await command(['revert']);
  });

  it('refuses to revert with a build that lacks the migrations to undo, naming the release that has them', async () => {
    await command([]);
    const refused = await command(['revert'], [CreateThing1700000000000, ThingName1700000100000]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^\[migrate\] failed: schema spec_back was migrated by a newer Holdfast release: it records ThingSize1700000200000, which this build does not have\. .*\nNothing was reverted\.\n$/s);
    expect(await recorded()).toEqual(['CreateThing1700000000000', 'ThingName1700000100000', 'ThingSize1700000200000']);
    await command(['revert', '--to', 'CreateThing1700000000000']);
    await command(['revert']);
  });

  // A migration edited or renamed after it ran on main: its replacement (same place, `replaces` its old name) brings a schema that ran it to its own shape.
  const ThingLabel1700000100000 = thing('ThingLabel1700000100000', { up: 'ALTER TABLE thing ADD COLUMN IF NOT EXISTS name text', down: 'ALTER TABLE thing DROP COLUMN name' });
  class ThingLabelReplacingName extends ThingLabel1700000100000 {
    replaces = ['ThingName1700000100000'];
  }

  it('goes back past a migration a later one replaced, removing its record once its replacement is undone', async () => {
    await command([], [CreateThing1700000000000, ThingName1700000100000]);
    const renamed = [CreateThing1700000000000, ThingLabelReplacingName, ThingSize1700000200000];
    await command([], renamed);
    expect(await recorded()).toEqual(['CreateThing1700000000000', 'ThingName1700000100000', 'ThingLabel1700000100000', 'ThingSize1700000200000']);
    expect(await command(['revert', '--to', 'CreateThing1700000000000'], renamed)).toEqual({
      out:
        '[migrate] schema spec_back: reverted ThingSize1700000200000; the last applied is now ThingLabel1700000100000\n' +
        '[migrate] schema spec_back: reverted ThingLabel1700000100000; the last applied is now ThingName1700000100000\n' +
        '[migrate] schema spec_back: removed the record of ThingName1700000100000, which ThingLabel1700000100000 replaced: undoing ThingLabel1700000100000 undid it too; the last applied is now CreateThing1700000000000\n',
      err: '',
      code: undefined,
    });
    expect(await recorded()).toEqual(['CreateThing1700000000000']);
    await command(['revert']);
  });

  it('refuses to go back past a replaced migration whose replacement has not run, reverting nothing', async () => {
    await command([], [CreateThing1700000000000, ThingName1700000100000]);
    const refused = await command(['revert'], [CreateThing1700000000000, ThingLabelReplacingName]);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      '[migrate] failed: schema spec_back records ThingName1700000100000, which this build replaced with ThingLabel1700000100000, and has not applied ThingLabel1700000100000, so this build cannot undo it: start this build once (it applies ThingLabel1700000100000) and revert then, or revert with the release that applied ThingName1700000100000.\n' +
        'Nothing was reverted.\n',
    );
    expect(await recorded()).toEqual(['CreateThing1700000000000', 'ThingName1700000100000']);
    await command(['revert'], [CreateThing1700000000000, ThingName1700000100000]);
    await command(['revert']);
  });

  it('checks a schema without changing it: up to date, migrations to apply, or migrated by a newer release', async () => {
    expect(await command(['check'])).toEqual({ out: '[migrate] schema spec_back: 3 migration(s) to apply: CreateThing1700000000000, ThingName1700000100000, ThingSize1700000200000\n', err: '', code: undefined });
    expect(await recorded()).toEqual([]);
    await command([]);
    expect(await command(['check'])).toEqual({ out: '[migrate] schema spec_back: up to date\n', err: '', code: undefined });
    const refused = await command(['check'], [CreateThing1700000000000]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^\[migrate\] failed: schema spec_back was migrated by a newer Holdfast release: it records ThingName1700000100000, ThingSize1700000200000, which this build does not have\. .*\nNothing was migrated\.\n$/s);
    await command(['revert', '--to', 'CreateThing1700000000000']);
    await command(['revert']);
  });

  it('refuses a command it does not know rather than applying migrations', async () => {
    expect(await command(['revrt'])).toEqual({
      out: '',
      err: '[migrate] failed: unknown command "revrt": migrate takes no command (apply the pending migrations), check, revert, or revert --to <MigrationName>.\nNothing was migrated.\n',
      code: 1,
    });
    expect(await recorded()).toEqual([]);
  });
});
