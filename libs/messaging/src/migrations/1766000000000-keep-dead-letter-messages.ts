import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead letter keeps the message it was (key as text, until KeepDeadLetterKeysAsBytes; body as bytes; headers as JSON), so it can be sent again to
 * its topic once its cause is fixed, and records when it was. Rows recorded before have nothing
 * kept (`message_kept` false): they are listed, never replayed.
 */
export class KeepDeadLetterMessages1766000000000 implements MigrationInterface {
  name = 'KeepDeadLetterMessages1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE dead_letter
      ADD COLUMN message_kept boolean NOT NULL DEFAULT false,
      ADD COLUMN message_key text,
      ADD COLUMN message_value bytea,
      ADD COLUMN message_headers jsonb,
      ADD COLUMN replayed_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE dead_letter DROP COLUMN message_kept, DROP COLUMN message_key, DROP COLUMN message_value, DROP COLUMN message_headers, DROP COLUMN replayed_at');
  }
}
