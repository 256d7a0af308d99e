import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox row may be a tombstone: a key of a compacted topic with no value (payload NULL), which
 * the relay publishes as a record with a null value, so compaction forgets the key. Reverting
 * deletes the tombstones still in the outbox, published or not: a key they had yet to remove stays
 * on its topic until its owner retires it again.
 */
export class KeepOutboxTombstones1768900000000 implements MigrationInterface {
  name = 'KeepOutboxTombstones1768900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox_message ALTER COLUMN payload DROP NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DELETE FROM outbox_message WHERE payload IS NULL');
    await queryRunner.query('ALTER TABLE outbox_message ALTER COLUMN payload SET NOT NULL');
  }
}
