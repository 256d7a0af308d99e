import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A resolved notification's end (its endsAt), so a firing arriving after it is judged by whether the
 * resolved ended after that firing started (the same firing, its start moved earlier by Alertmanager
 * when an HA Prometheus pair sent it twice) or not. Rows logged before have none, and are judged by
 * their startsAt alone, as before.
 */
export class AlertNotificationEndsAt1768800000000 implements MigrationInterface {
  name = 'AlertNotificationEndsAt1768800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE alert_notification ADD COLUMN ends_at timestamptz');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE alert_notification DROP COLUMN ends_at');
  }
}
