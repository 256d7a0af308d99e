import { type HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * Every secret a rotation replaced is kept while its own overlap lasts (at most three, newest
 * first, each `{"sealed", "until"}`): a second rotation within the first one's overlap used to drop
 * the secret before it, failing receivers still promised it.
 */
export class KeepEverySecretStillSigning1767300000000 implements HoldfastMigration {
  name = 'KeepEverySecretStillSigning1767300000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE subscription ADD COLUMN previous_secrets jsonb NOT NULL DEFAULT '[]'`);
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, moved] = (await queryRunner.query(`UPDATE subscription
      SET previous_secrets = jsonb_build_array(jsonb_build_object('sealed', sealed_previous_secret, 'until', to_char(previous_secret_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
      WHERE sealed_previous_secret IS NOT NULL`)) as [unknown, number];
    if (moved > 0) this.report = `moved the replaced secret of ${moved} subscription(s) in a rotation's overlap to previous_secrets, with the end of its overlap`;
    await queryRunner.query('DROP INDEX subscription_previous_secret_until');
    await queryRunner.query('ALTER TABLE subscription DROP CONSTRAINT subscription_previous_secret_with_its_end');
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN previous_secret_until, DROP COLUMN sealed_previous_secret');
    await queryRunner.query(
      `ALTER TABLE subscription ADD CONSTRAINT subscription_previous_secrets_bounded CHECK (jsonb_typeof(previous_secrets) = 'array' AND jsonb_array_length(previous_secrets) <= 3)`,
    );
    // The prune round looks only at the few subscriptions in an overlap.
    await queryRunner.query(`CREATE INDEX subscription_with_previous_secrets ON subscription (id) WHERE previous_secrets <> '[]'::jsonb`);
  }

  /** Back to one kept secret: the newest, as the rotation before this one kept it. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN sealed_previous_secret text, ADD COLUMN previous_secret_until timestamptz');
    await queryRunner.query(`UPDATE subscription SET sealed_previous_secret = previous_secrets->0->>'sealed', previous_secret_until = (previous_secrets->0->>'until')::timestamptz
      WHERE previous_secrets <> '[]'::jsonb`);
    await queryRunner.query('DROP INDEX subscription_with_previous_secrets');
    await queryRunner.query('ALTER TABLE subscription DROP CONSTRAINT subscription_previous_secrets_bounded');
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN previous_secrets');
    await queryRunner.query(
      'ALTER TABLE subscription ADD CONSTRAINT subscription_previous_secret_with_its_end CHECK ((sealed_previous_secret IS NULL) = (previous_secret_until IS NULL))',
    );
    await queryRunner.query('CREATE INDEX subscription_previous_secret_until ON subscription (previous_secret_until) WHERE previous_secret_until IS NOT NULL');
  }
}
