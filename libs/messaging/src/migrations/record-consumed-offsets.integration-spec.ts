import { dataSourceOptions, runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMessagingTables1764000000000 } from './1764000000000-create-messaging-tables';
import { RecordDeadLetters1764600000000 } from './1764600000000-record-dead-letters';
import { RecordConsumedOffsets1765200000000 } from './1765200000000-record-consumed-offsets';
import { MessagingMigrations } from './messaging-migrations';

// The migration as main named it on 2026-12-01 from 20:09 to 20:59 UTC, with the same table.
class RecordConsumedOffsets1765100000000 implements MigrationInterface {
  name = 'RecordConsumedOffsets1765100000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await new RecordConsumedOffsets1765200000000().up(queryRunner);
  }
  async down(): Promise<void> {}
}

describe('messaging migrations on a schema main migrated on 2026-12-01 between 20:09 and 20:59 UTC', () => {
  let database: TestDatabase;
  const open = async (migrations: (new () => MigrationInterface)[]) =>
    new DataSource(dataSourceOptions({ settings: { url: database.url, schema: 'spec_service', poolSize: 2, connectWaitMs: 0 }, entities: [], migrations, applicationName: 'consumed-offsets-spec' })).initialize();

  beforeAll(async () => {
    database = await createTestDatabase('record-consumed-offsets');
    const then = await open([CreateMessagingTables1764000000000, RecordDeadLetters1764600000000, RecordConsumedOffsets1765100000000]);
    await runMigrations(then, { info: () => undefined });
    await then.query("INSERT INTO consumed_offset (consumer_group, topic, partition, next_offset) VALUES ('impact-analyzer.samples', 'traffic.samples.v1', 0, 42)");
    await then.destroy();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('applies the migrations after it, keeping the offsets it recorded, instead of creating its table again or refusing the schema', async () => {
    const now = await open(MessagingMigrations);
    try {
      expect(await runMigrations(now, { info: () => undefined })).toEqual(MessagingMigrations.slice(2).map((migration) => migration.name));
      expect(await now.query('SELECT next_offset FROM consumed_offset')).toEqual([{ next_offset: '42' }]);
    } finally {
      await now.destroy();
    }
  });
});
