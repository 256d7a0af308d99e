import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which hold alerts were let go because their subscription was turned off, apart from those a
 * release ended: only the first come back when it is turned on again. Rows from before are false,
 * so a hold released before hold_release existed is never fired again.
 */
export class RememberAlertsPausedByTheirSubscription1766600000000 implements MigrationInterface {
  name = 'RememberAlertsPausedByTheirSubscription1766600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_alert ADD COLUMN paused boolean NOT NULL DEFAULT false');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_alert DROP COLUMN paused');
  }
}
