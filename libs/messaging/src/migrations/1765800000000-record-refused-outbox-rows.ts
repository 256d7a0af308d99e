import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox row the relay will not publish (its payload is over the Kafka message limit, which the
 * broker would refuse on every retry, stopping the rows behind it) is kept, marked refused with the
 * reason, and left out of the relay's rounds.
 */
export class RecordRefusedOutboxRows1765800000000 implements MigrationInterface {
  name = 'RecordRefusedOutboxRows1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE outbox_message ADD COLUMN refused_at timestamptz, ADD COLUMN refusal text');
    await queryRunner.query('DROP INDEX outbox_message_unpublished');
    await queryRunner.query('CREATE INDEX outbox_message_unpublished ON outbox_message (id) WHERE published_at IS NULL AND refused_at IS NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX outbox_message_unpublished');
    await queryRunner.query('CREATE INDEX outbox_message_unpublished ON outbox_message (id) WHERE published_at IS NULL');
    await queryRunner.query('ALTER TABLE outbox_message DROP COLUMN refused_at, DROP COLUMN refusal');
  }
}
