import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * `sending_version`, bumped by a trigger whenever a subscription's secrets (current or kept), its
 * target, or whether it sends (turned off or on, deleted) change, by whatever writes them: a
 * delivery worker on any replica compares it after each claim and reads its copy of the
 * subscription again when the number moved. So once a rotation, PATCH {"enabled": false},
 * DELETE or PATCH {"target": ...} has answered, nothing is sent as the subscription was before;
 * a copy up to a second old was used before.
 *
 * Main carried other versions of this and the migration before it on 2026-12-04 from 14:31 to
 * 17:29 UTC: KeepEverySecretStillSigning1767300000000 added `secret_version` and its trigger, and
 * StopSendingWhenTurnedOff1767400000000 renamed it `sending_version`. A schema either left is
 * brought to this one (the notifier of an installation from then stopped at start on "column
 * sending_version already exists"); every worker reads its copies afresh at start, so the numbers may begin again.
 */
export class SubscriptionSendingVersion1767400000000 implements HoldfastMigration {
  name = 'SubscriptionSendingVersion1767400000000';
  replaces = ['StopSendingWhenTurnedOff1767400000000'];
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ earlier }] = (await queryRunner.query(
      "SELECT count(*)::int AS earlier FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'subscription' AND column_name IN ('secret_version', 'sending_version')",
    )) as [{ earlier: number }];
    await queryRunner.query('DROP TRIGGER IF EXISTS subscription_secrets_changed ON subscription');
    await queryRunner.query('DROP FUNCTION IF EXISTS subscription_secrets_changed()');
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN IF EXISTS secret_version');
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN IF NOT EXISTS sending_version integer NOT NULL DEFAULT 0');
    await queryRunner.query('DROP TRIGGER IF EXISTS subscription_sending_changed ON subscription');
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION subscription_sending_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        NEW.sending_version := OLD.sending_version + 1;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER subscription_sending_changed BEFORE UPDATE OF sealed_secret, previous_secrets, enabled, deleted_at, target ON subscription
        FOR EACH ROW WHEN (OLD.sealed_secret IS DISTINCT FROM NEW.sealed_secret OR OLD.previous_secrets IS DISTINCT FROM NEW.previous_secrets
          OR OLD.enabled IS DISTINCT FROM NEW.enabled OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.target IS DISTINCT FROM NEW.target)
        EXECUTE FUNCTION subscription_sending_changed()`);
    if (earlier > 0) this.report = "brought the subscription table a build of 2026-12-04 14:31-17:29 UTC left (secret_version, or StopSendingWhenTurnedOff1767400000000's sending_version) to this release's";
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER subscription_sending_changed ON subscription');
    await queryRunner.query('DROP FUNCTION subscription_sending_changed()');
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN sending_version');
  }
}
