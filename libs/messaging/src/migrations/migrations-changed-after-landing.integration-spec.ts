import { dataSourceOptions, runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateMessagingTables1764000000000 } from './1764000000000-create-messaging-tables';
import { RecordDeadLetters1764600000000 } from './1764600000000-record-dead-letters';
import { RecordConsumedOffsets1765200000000 } from './1765200000000-record-consumed-offsets';
import { KeepDeadLetterMessages1766000000000 } from './1766000000000-keep-dead-letter-messages';
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

// KeepDeadLetterMessages1766000000000 as main carried it on 2026-12-03 from 08:07 to 08:13 UTC: the key already bytea.
class KeepDeadLetterMessagesKeyAsBytes1766000000000 implements MigrationInterface {
  name = 'KeepDeadLetterMessages1766000000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await new KeepDeadLetterMessages1766000000000().up(queryRunner);
    await queryRunner.query('ALTER TABLE dead_letter ALTER COLUMN message_key TYPE bytea USING convert_to(message_key, \'UTF8\')');
  }
  async down(): Promise<void> {}
}

describe('messaging migrations on a schema main migrated on 2026-12-03 between 08:07 and 08:13 UTC', () => {
  let database: TestDatabase;

  afterAll(async () => {
    await database?.drop();
  });

  it('applies the migrations after it, the dead letters keeping their keys, instead of failing every start on the bytea key', async () => {
    database = await createTestDatabase('keep-dead-letter-keys');
    const open = async (migrations: (new () => MigrationInterface)[]) =>
      new DataSource(dataSourceOptions({ settings: { url: database.url, schema: 'spec_service', poolSize: 2, connectWaitMs: 0 }, entities: [], migrations, applicationName: 'dead-letter-keys-spec' })).initialize();
    const upTo = MessagingMigrations.findIndex((migration) => migration === KeepDeadLetterMessages1766000000000);
    const then = await open([...MessagingMigrations.slice(0, upTo), KeepDeadLetterMessagesKeyAsBytes1766000000000]);
    await runMigrations(then, { info: () => undefined });
    await then.query("INSERT INTO dead_letter (consumer_group, topic, partition, \"offset\", reason, message_kept, message_key) VALUES ('g', 't', 0, 1, 'r', true, '\\x4952')");
    await then.destroy();
    const now = await open(MessagingMigrations);
    try {
      expect(await runMigrations(now, { info: () => undefined })).toEqual(MessagingMigrations.slice(upTo + 1).map((migration) => migration.name));
      expect(await now.query('SELECT message_key FROM dead_letter')).toEqual([{ message_key: Buffer.from('IR') }]);
    } finally {
      await now.destroy();
    }
  });
});
