import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why a hold's surge cleared (its surge.cleared's reason), kept when the clearance sets the release,
 * so the release says it: calm traffic, a resolved alert, a lost signal, a retired series or a
 * declaration that ended or was cancelled. Holds cleared before this have none and read as before.
 */
export class HoldClearedReason1768600000000 implements MigrationInterface {
  name = 'HoldClearedReason1768600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold ADD COLUMN cleared_reason text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold DROP COLUMN cleared_reason');
  }
}
