import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When, and by which replica, a delivery being sent was claimed (`claimed_at`, `claimed_by`), and the attempt outcome
 * `interrupted`: a delivery whose lease ran out while it was being sent (its notifier killed, or cut off from PostgreSQL)
 * is claimed again with that attempt written first, from its claim, so its history says the receiver may have got it;
 * and a replica started again under the same name takes back at once the claims it left (DeliveryWorker). Before, the
 * interrupted attempt left no trace and those claims waited for their whole lease.
 */
export class RememberDeliveryClaims1768900200000 implements MigrationInterface {
  name = 'RememberDeliveryClaims1768900200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE delivery ADD COLUMN claimed_at timestamptz, ADD COLUMN claimed_by text');
    await queryRunner.query('ALTER TABLE delivery_attempt DROP CONSTRAINT delivery_attempt_outcome_check');
    await queryRunner.query("ALTER TABLE delivery_attempt ADD CONSTRAINT delivery_attempt_outcome_check CHECK (outcome IN ('delivered', 'retry', 'dead', 'interrupted'))");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // The code before knows three outcomes: an interrupted attempt reads as one retried, its error saying what it was.
    await queryRunner.query("UPDATE delivery_attempt SET outcome = 'retry' WHERE outcome = 'interrupted'");
    await queryRunner.query('ALTER TABLE delivery_attempt DROP CONSTRAINT delivery_attempt_outcome_check');
    await queryRunner.query("ALTER TABLE delivery_attempt ADD CONSTRAINT delivery_attempt_outcome_check CHECK (outcome IN ('delivered', 'retry', 'dead'))");
    await queryRunner.query('ALTER TABLE delivery DROP COLUMN claimed_at, DROP COLUMN claimed_by');
  }
}
