import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a subscription that was on was turned off (by a person or a 410 Gone): from then its events
 * are recorded dead unsent, and sent when it is turned on again. One made turned off has none, and
 * records nothing: turned on, it starts from then, not with everything since its creation.
 * Subscriptions off at the upgrade start recording from it.
 */
export class SubscriptionTurnedOffAt1768400000000 implements MigrationInterface {
  name = 'SubscriptionTurnedOffAt1768400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN turned_off_at timestamptz');
    await queryRunner.query('UPDATE subscription SET turned_off_at = now() WHERE NOT enabled AND deleted_at IS NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN turned_off_at');
  }
}
