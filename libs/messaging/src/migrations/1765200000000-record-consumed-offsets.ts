import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * The partition-offset fence: per consumer group and partition, the next offset not yet applied,
 * advanced in the transaction that applies a slice. `prior_next_offset` keeps the value an advance
 * replaced, because PostgreSQL 15's RETURNING shows only the new row. Named
 * RecordConsumedOffsets1765100000000 on main on 2026-12-01 from 20:09 to 20:59 UTC, with the same
 * table: a schema that one made keeps it.
 */
export class RecordConsumedOffsets1765200000000 implements HoldfastMigration {
  name = 'RecordConsumedOffsets1765200000000';
  replaces = ['RecordConsumedOffsets1765100000000'];

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE IF NOT EXISTS consumed_offset (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        next_offset bigint NOT NULL,
        prior_next_offset bigint,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, partition)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE consumed_offset');
  }
}
