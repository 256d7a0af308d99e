import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A declaration's `version`, its ETag, which If-Match on a cancellation is held to: bumped by every
 * change to what the declaration shows (it comes into force, ends, or is cancelled). Existing
 * declarations start at 1.
 */
export class DeclarationVersion1768200000000 implements MigrationInterface {
  name = 'DeclarationVersion1768200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE declaration ADD COLUMN version integer NOT NULL DEFAULT 1');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE declaration DROP COLUMN version');
  }
}
