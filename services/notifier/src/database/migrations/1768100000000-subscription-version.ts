import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A subscription's `version`, its ETag, which If-Match on PATCH and DELETE is held to: bumped by
 * every change the API or the notifier itself makes to what the subscription is (a PATCH, a secret
 * rotation, turning it off when its receiver answered 410). Existing subscriptions start at 1.
 */
export class SubscriptionVersion1768100000000 implements MigrationInterface {
  name = 'SubscriptionVersion1768100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN version integer NOT NULL DEFAULT 1');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN version');
  }
}
