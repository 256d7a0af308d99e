import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * For the prunes (HoldReleases, DeliveryPruner): a Grafana annotation or Alertmanager alert record
 * goes once no delivery of its subscription for its hold is kept, a hold's release once no such
 * record of the hold is, and a deleted subscription once nothing of it is.
 */
export class PruneHoldRecordsAndDeletedSubscriptions1767200100000 implements MigrationInterface {
  name = 'PruneHoldRecordsAndDeletedSubscriptions1767200100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX delivery_by_subscription_key ON delivery (subscription_id, ordering_key)');
    await queryRunner.query('CREATE INDEX grafana_annotation_hold ON grafana_annotation (hold_id)');
    await queryRunner.query('CREATE INDEX hold_alert_hold ON hold_alert (hold_id)');
    await queryRunner.query('CREATE INDEX subscription_deleted ON subscription (deleted_at) WHERE deleted_at IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX subscription_deleted');
    await queryRunner.query('DROP INDEX hold_alert_hold');
    await queryRunner.query('DROP INDEX grafana_annotation_hold');
    await queryRunner.query('DROP INDEX delivery_by_subscription_key');
  }
}
