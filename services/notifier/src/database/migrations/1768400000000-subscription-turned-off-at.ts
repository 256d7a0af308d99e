import { type HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * When a subscription that was on was turned off (by a person or a 410 Gone): from then its events
 * are recorded dead unsent, and sent when it is turned on again. One made turned off has none, and
 * records nothing: turned on, it starts from then, not with everything since its creation.
 * Subscriptions off at the upgrade start recording from it.
 */
export class SubscriptionTurnedOffAt1768400000000 implements HoldfastMigration {
  name = 'SubscriptionTurnedOffAt1768400000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN turned_off_at timestamptz');
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, dated] = (await queryRunner.query('UPDATE subscription SET turned_off_at = now() WHERE NOT enabled AND deleted_at IS NULL')) as [unknown, number];
    if (dated > 0) {
      this.report = `dated ${dated} subscription(s) turned off at the upgrade as turned off from it: their events are recorded dead unsent from now on, and sent when they are turned on again`;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN turned_off_at');
  }
}
