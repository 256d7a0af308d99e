import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `secret_version` becomes `sending_version`, bumped also when a subscription is turned off or on,
 * deleted, or its target changes: a delivery worker compares it after each claim, so a copy that
 * still says "send", or names the old target, read up to a second before, is read again, and once
 * PATCH {"enabled": false}, DELETE or PATCH {"target": ...} has answered nothing is sent as before.
 * Before, only a change of secrets made the worker read its copy again.
 */
export class StopSendingWhenTurnedOff1767400000000 implements MigrationInterface {
  name = 'StopSendingWhenTurnedOff1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER subscription_secrets_changed ON subscription');
    await queryRunner.query('DROP FUNCTION subscription_secrets_changed()');
    await queryRunner.query('ALTER TABLE subscription RENAME COLUMN secret_version TO sending_version');
    await queryRunner.query(`
      CREATE FUNCTION subscription_sending_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        NEW.sending_version := OLD.sending_version + 1;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER subscription_sending_changed BEFORE UPDATE OF sealed_secret, previous_secrets, enabled, deleted_at, target ON subscription
        FOR EACH ROW WHEN (OLD.sealed_secret IS DISTINCT FROM NEW.sealed_secret OR OLD.previous_secrets IS DISTINCT FROM NEW.previous_secrets
          OR OLD.enabled IS DISTINCT FROM NEW.enabled OR OLD.deleted_at IS DISTINCT FROM NEW.deleted_at OR OLD.target IS DISTINCT FROM NEW.target)
        EXECUTE FUNCTION subscription_sending_changed()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER subscription_sending_changed ON subscription');
    await queryRunner.query('DROP FUNCTION subscription_sending_changed()');
    await queryRunner.query('ALTER TABLE subscription RENAME COLUMN sending_version TO secret_version');
    await queryRunner.query(`
      CREATE FUNCTION subscription_secrets_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        NEW.secret_version := OLD.secret_version + 1;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER subscription_secrets_changed BEFORE UPDATE OF sealed_secret, previous_secrets ON subscription
        FOR EACH ROW WHEN (OLD.sealed_secret IS DISTINCT FROM NEW.sealed_secret OR OLD.previous_secrets IS DISTINCT FROM NEW.previous_secrets)
        EXECUTE FUNCTION subscription_secrets_changed()`);
  }
}
