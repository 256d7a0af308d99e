import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * A calendar feed revises a run (SEQUENCE, LAST-MODIFIED) at its last change, read from the times
 * kept for each change; a run marked missed and a held link let through by an override kept none,
 * so clients re-importing the feed kept the run as it was before. `missed_at` and `overridden_at`
 * date them. Runs marked before this get their end (the sweep marks a run within one interval of
 * it); overrides made before this get the time of their audit row, else the link's held_at.
 */
export class RunTurnsDated1766700000000 implements HoldfastMigration {
  name = 'RunTurnsDated1766700000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE occurrence ADD COLUMN missed_at timestamptz');
    await queryRunner.query('ALTER TABLE hold_occurrence ADD COLUMN overridden_at timestamptz');
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, missed] = (await queryRunner.query(`UPDATE occurrence SET missed_at = ends_at WHERE status = 'missed'`)) as [unknown, number];
    const [, overridden] = (await queryRunner.query(`
      UPDATE hold_occurrence l SET overridden_at = COALESCE(
          (SELECT max(a.at) FROM audit_entry a
            WHERE a.subject_type = 'window' AND a.subject_id = l.window_id AND a.action = 'overridden' AND a.details->>'holdId' = l.hold_id::text
              AND (a.details->>'occurrence' IS NULL OR (a.details->>'occurrence')::int = l.number)),
          l.held_at)
        WHERE l.overridden_by IS NOT NULL`)) as [unknown, number];
    if (missed + overridden > 0) {
      this.report = `dated ${missed} missed run(s) at their end and ${overridden} overridden hold link(s) at their audit row, else when they were held: calendar feeds revise those runs`;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_occurrence DROP COLUMN overridden_at');
    await queryRunner.query('ALTER TABLE occurrence DROP COLUMN missed_at');
  }
}
