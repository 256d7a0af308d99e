import { type HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * When a delivery was delivered, died or was cancelled: finished deliveries are pruned
 * NOTIFIER_DELIVERY_RETENTION_DAYS after it (DeliveryPruner). Set exactly when the status is
 * finished, which the check holds every statement to (a replay clears it). Rows from before take
 * their delivery time, else when they were last due: a delivery that died of its last attempt was
 * due then, one cancelled or stopped unsent at most a backoff before or after.
 */
export class DeliveryFinishedAt1767100000000 implements HoldfastMigration {
  name = 'DeliveryFinishedAt1767100000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE delivery ADD COLUMN finished_at timestamptz');
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, dated] = (await queryRunner.query(
      "UPDATE delivery SET finished_at = COALESCE(delivered_at, next_attempt_at) WHERE status IN ('delivered', 'dead', 'cancelled')",
    )) as [unknown, number];
    if (dated > 0) {
      this.report = `dated ${dated} finished delivery(ies) (delivered, dead or cancelled) at their delivery, else when they were last due: each is pruned NOTIFIER_DELIVERY_RETENTION_DAYS after that date`;
    }
    await queryRunner.query(
      "ALTER TABLE delivery ADD CONSTRAINT delivery_finished_at_when_finished CHECK ((finished_at IS NOT NULL) = (status IN ('delivered', 'dead', 'cancelled')))",
    );
    await queryRunner.query('CREATE INDEX delivery_finished ON delivery (finished_at) WHERE finished_at IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX delivery_finished');
    await queryRunner.query('ALTER TABLE delivery DROP CONSTRAINT delivery_finished_at_when_finished');
    await queryRunner.query('ALTER TABLE delivery DROP COLUMN finished_at');
  }
}
