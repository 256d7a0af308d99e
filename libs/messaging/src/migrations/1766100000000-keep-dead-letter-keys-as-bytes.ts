import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead letter's key is kept as the bytes that came in, not as text: a key that is not UTF-8 (an
 * Avro-encoded key, a hashed id) read as text would come back changed on a replay, and land on
 * another partition. Keys kept so far were read as UTF-8 text and are stored as its bytes.
 */
export class KeepDeadLetterKeysAsBytes1766100000000 implements MigrationInterface {
  name = 'KeepDeadLetterKeysAsBytes1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE dead_letter ALTER COLUMN message_key TYPE bytea USING convert_to(message_key, 'UTF8')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Fails on a key that is not UTF-8 rather than storing it changed.
    await queryRunner.query(`ALTER TABLE dead_letter ALTER COLUMN message_key TYPE text USING convert_from(message_key, 'UTF8')`);
  }
}
