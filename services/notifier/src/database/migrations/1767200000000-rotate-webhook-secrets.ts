import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A webhook subscription's replaced signing secret, kept sealed (as the current one is) while a
 * rotation's overlap lasts: deliveries are signed with both until previous_secret_until, so each
 * receiver can move to the new secret in its own time. Both set, or neither.
 */
export class RotateWebhookSecrets1767200000000 implements MigrationInterface {
  name = 'RotateWebhookSecrets1767200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN sealed_previous_secret text, ADD COLUMN previous_secret_until timestamptz');
    await queryRunner.query(
      'ALTER TABLE subscription ADD CONSTRAINT subscription_previous_secret_with_its_end CHECK ((sealed_previous_secret IS NULL) = (previous_secret_until IS NULL))',
    );
    await queryRunner.query('CREATE INDEX subscription_previous_secret_until ON subscription (previous_secret_until) WHERE previous_secret_until IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX subscription_previous_secret_until');
    await queryRunner.query('ALTER TABLE subscription DROP CONSTRAINT subscription_previous_secret_with_its_end');
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN previous_secret_until, DROP COLUMN sealed_previous_secret');
  }
}
