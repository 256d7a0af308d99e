import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Why a subscription was turned off by the notifier itself (its receiver answered 410 Gone), shown until someone turns it on again. */
export class RecordWhyASubscriptionStopped1766200000000 implements MigrationInterface {
  name = 'RecordWhyASubscriptionStopped1766200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN disabled_reason text');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN disabled_reason');
  }
}
