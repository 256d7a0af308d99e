import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A hold's release is remembered only while a placement of it could still be sent
 * (NOTIFIER_HOLD_RELEASE_RETENTION_DAYS): `recorded_at` is when the notifier learned of it, which
 * the pruner counts from, and the placements it looks for are found by their hold's ordering key.
 * Rows from before this count from the migration.
 */
export class HoldReleaseRecordedAt1767000200000 implements MigrationInterface {
  name = 'HoldReleaseRecordedAt1767000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_release ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now()');
    await queryRunner.query('CREATE INDEX hold_release_recorded_at ON hold_release (recorded_at)');
    await queryRunner.query("CREATE INDEX delivery_hold_placement ON delivery (ordering_key) WHERE event_type = 'hold.placed'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX delivery_hold_placement');
    await queryRunner.query('DROP INDEX hold_release_recorded_at');
    await queryRunner.query('ALTER TABLE hold_release DROP COLUMN recorded_at');
  }
}
