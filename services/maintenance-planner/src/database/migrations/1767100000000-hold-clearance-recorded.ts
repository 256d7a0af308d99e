import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * From a surge's clearance on, a run starting at or after its hold's due release reads scheduled
 * rather than held (stopsRun), with nothing written to the run or its link, so a calendar feed kept
 * its SEQUENCE and LAST-MODIFIED and clients kept showing it held until the sweep released the
 * hold. `clearance_recorded_at` dates that turn: when the planner recorded the clearance (the
 * surge's own `cleared_at` may be earlier than links made meanwhile). Holds cleared before this get
 * the time of their audit row, else their `cleared_at`.
 */
export class HoldClearanceRecorded1767100000000 implements HoldfastMigration {
  name = 'HoldClearanceRecorded1767100000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold ADD COLUMN clearance_recorded_at timestamptz');
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, holds] = (await queryRunner.query(`
      UPDATE hold h SET clearance_recorded_at = COALESCE(
          (SELECT max(a.at) FROM audit_entry a WHERE a.subject_type = 'hold' AND a.subject_id = h.id AND a.action = 'cleared'),
          h.cleared_at)
        WHERE h.cleared_at IS NOT NULL`)) as [unknown, number];
    if (holds > 0) this.report = `dated the clearance of ${holds} cleared hold(s) at its audit row, else at the surge's clearance`;
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold DROP COLUMN clearance_recorded_at');
  }
}
