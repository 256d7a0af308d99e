import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceOptions } from './data-source.factory';
import { runMigrations } from './migration-runner';

class CreateThing1700000000000 implements MigrationInterface {
  name = 'CreateThing1700000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE thing (id integer PRIMARY KEY)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE thing');
  }
}

class ThingName1700000100000 implements MigrationInterface {
  name = 'ThingName1700000100000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE thing ADD COLUMN name text NOT NULL');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE thing DROP COLUMN name');
  }
}

describe('runMigrations on a schema a newer release migrated', () => {
  let database: TestDatabase;
  const quiet = { info: () => undefined };
  const open = async (migrations: (new () => MigrationInterface)[]) => {
    const dataSource = new DataSource(dataSourceOptions({ settings: { url: database.url, schema: 'spec_service', poolSize: 2, connectWaitMs: 0 }, entities: [], migrations, applicationName: 'notifier' }));
    return dataSource.initialize();
  };

  beforeAll(async () => {
    database = await createTestDatabase('migration-runner');
    const newer = await open([CreateThing1700000000000, ThingName1700000100000]);
    expect(await runMigrations(newer, quiet)).toEqual(['CreateThing1700000000000', 'ThingName1700000100000']);
    await newer.destroy();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('refuses to start an older build, naming the migrations it lacks and what to do, instead of saying "up to date"', async () => {
    const older = await open([CreateThing1700000000000]);
    const said: string[] = [];
    try {
      await expect(runMigrations(older, { info: (line) => said.push(line) })).rejects.toThrow(
        'schema spec_service was migrated by a newer Holdfast release: it records ThingName1700000100000, which this build does not have. Run that release (or a later one). To go back to this one, stop every replica of the newer release and undo those migrations with it (node dist/services/notifier/src/main.js migrate revert --to CreateThing1700000000000), or restore the backup taken before the upgrade.',
      );
      expect(said).toEqual([]);
    } finally {
      await older.destroy();
    }
  });

  it('lets the older build start once the newer one has undone its migration', async () => {
    const newer = await open([CreateThing1700000000000, ThingName1700000100000]);
    await newer.undoLastMigration({ transaction: 'each' });
    await newer.destroy();
    const older = await open([CreateThing1700000000000]);
    try {
      expect(await runMigrations(older, quiet)).toEqual([]);
    } finally {
      await older.destroy();
    }
  });
});
