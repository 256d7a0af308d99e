import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A surge.cleared that overtook its surge.started is remembered only until that start could still
 * come (SURGE_CLEARANCE_RETENTION_DAYS): `recorded_at` is when the planner learned of it, which the
 * sweep prunes by. Rows from before this count from the migration.
 */
export class SurgeClearanceRecordedAt1766800000000 implements MigrationInterface {
  name = 'SurgeClearanceRecordedAt1766800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE surge_clearance ADD COLUMN recorded_at timestamptz NOT NULL DEFAULT now()');
    await queryRunner.query('CREATE INDEX surge_clearance_recorded_at ON surge_clearance (recorded_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX surge_clearance_recorded_at');
    await queryRunner.query('ALTER TABLE surge_clearance DROP COLUMN recorded_at');
  }
}
