import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A firing alert is looked up among the resolved notifications of its sender and fingerprint (a
 * firing late after its own resolved starts no surge): the intake log is never pruned, and its
 * primary key leads with the group, which that lookup does not know.
 */
export class AlertResolvedLookup1764000400000 implements MigrationInterface {
  name = 'AlertResolvedLookup1764000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX alert_notification_resolved ON alert_notification (sender, fingerprint, starts_at) WHERE status = 'resolved'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX alert_notification_resolved');
  }
}
