import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * From a surge's clearance on, a run starting at or after its hold's due release reads scheduled
 * rather than held (stopsRun), with nothing written to the run or its link, so a calendar feed kept
 * its SEQUENCE and LAST-MODIFIED and clients kept showing it held until the sweep released the
 * hold. `clearance_recorded_at` dates that turn: when the planner recorded the clearance (the
 * surge's own `cleared_at` may be earlier than links made meanwhile). Holds cleared before this get
 * the time of their audit row, else their `cleared_at`.
 */
export class HoldClearanceRecorded1767100000000 implements MigrationInterface {
  name = 'HoldClearanceRecorded1767100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold ADD COLUMN clearance_recorded_at timestamptz');
    await queryRunner.query(`
      UPDATE hold h SET clearance_recorded_at = COALESCE(
          (SELECT max(a.at) FROM audit_entry a WHERE a.subject_type = 'hold' AND a.subject_id = h.id AND a.action = 'cleared'),
          h.cleared_at)
        WHERE h.cleared_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold DROP COLUMN clearance_recorded_at');
  }
}
