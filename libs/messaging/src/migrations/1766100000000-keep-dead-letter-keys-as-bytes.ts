import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A dead letter's key is kept as the bytes that came in, not as text: a key that is not UTF-8 (an
 * Avro-encoded key, a hashed id) read as text would come back changed on a replay, and land on
 * another partition. Keys kept so far were read as UTF-8 text and are stored as its bytes.
 * KeepDeadLetterMessages1766000000000 as main carried it on 2026-12-03 from 08:07 to 08:13 UTC
 * made the column bytea already: left as it is (converting it failed every start).
 */
export class KeepDeadLetterKeysAsBytes1766100000000 implements MigrationInterface {
  name = 'KeepDeadLetterKeysAsBytes1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ type }] = (await queryRunner.query(
      "SELECT data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'dead_letter' AND column_name = 'message_key'",
    )) as [{ type: string }];
    if (type === 'bytea') return;
    await queryRunner.query(`ALTER TABLE dead_letter ALTER COLUMN message_key TYPE bytea USING convert_to(message_key, 'UTF8')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Fails on a key that is not UTF-8 rather than storing it changed.
    await queryRunner.query(`ALTER TABLE dead_letter ALTER COLUMN message_key TYPE text USING convert_from(message_key, 'UTF8')`);
  }
}
