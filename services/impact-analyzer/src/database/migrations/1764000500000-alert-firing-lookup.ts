import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A notification is looked up among the firing ones of its sender and fingerprint (the same alert
 * logged under another group is a duplicate; a resolved of an earlier start is superseded by a
 * later firing): the intake log is never pruned, and its primary key leads with the group.
 */
export class AlertFiringLookup1764000500000 implements MigrationInterface {
  name = 'AlertFiringLookup1764000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX alert_notification_firing ON alert_notification (sender, fingerprint, starts_at) WHERE status = 'firing'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX alert_notification_firing');
  }
}
