import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each message a consumer group dead-lettered, by its place in the log, so a redelivery of it does
 * not produce a second dead letter; and an index for pruning the processed-event ledger by age.
 */
export class RecordDeadLetters1764600000000 implements MigrationInterface {
  name = 'RecordDeadLetters1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE dead_letter (
        consumer_group text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        event_id text,
        reason text NOT NULL,
        dead_lettered_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, topic, partition, "offset")
      )`);
    await queryRunner.query('CREATE INDEX dead_letter_dead_lettered_at ON dead_letter (dead_lettered_at)');
    await queryRunner.query('CREATE INDEX processed_event_processed_at ON processed_event (processed_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX processed_event_processed_at');
    await queryRunner.query('DROP TABLE dead_letter');
  }
}
