import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `sending_version`, bumped by a trigger whenever a subscription's secrets (current or kept), its
 * target, or whether it sends (turned off or on, deleted) change, by whatever writes them: a
 * delivery worker on any replica compares it after each claim and reads its copy of the
 * subscription again when the number moved. So once a rotation, PATCH {"enabled": false},
 * DELETE or PATCH {"target": ...} has answered, nothing is sent as the subscription was before;
 * a copy up to a second old was used before.
 */
export class SubscriptionSendingVersion1767400000000 implements MigrationInterface {
  name = 'SubscriptionSendingVersion1767400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE subscription ADD COLUMN sending_version integer NOT NULL DEFAULT 0');
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
    await queryRunner.query('ALTER TABLE subscription DROP COLUMN sending_version');
  }
}
