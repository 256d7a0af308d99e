import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A calendar feed revises a run (SEQUENCE, LAST-MODIFIED) at its last change, read from the times
 * kept for each change; a run marked missed and a held link let through by an override kept none,
 * so clients re-importing the feed kept the run as it was before. `missed_at` and `overridden_at`
 * date them. Runs marked before this get their end (the sweep marks a run within one interval of
 * it); overrides made before this get the time of their audit row, else the link's held_at.
 */
export class RunTurnsDated1766700000000 implements MigrationInterface {
  name = 'RunTurnsDated1766700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE occurrence ADD COLUMN missed_at timestamptz');
    await queryRunner.query('ALTER TABLE hold_occurrence ADD COLUMN overridden_at timestamptz');
    await queryRunner.query(`UPDATE occurrence SET missed_at = ends_at WHERE status = 'missed'`);
    await queryRunner.query(`
      UPDATE hold_occurrence l SET overridden_at = COALESCE(
          (SELECT max(a.at) FROM audit_entry a
            WHERE a.subject_type = 'window' AND a.subject_id = l.window_id AND a.action = 'overridden' AND a.details->>'holdId' = l.hold_id::text
              AND (a.details->>'occurrence' IS NULL OR (a.details->>'occurrence')::int = l.number)),
          l.held_at)
        WHERE l.overridden_by IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_occurrence DROP COLUMN overridden_at');
    await queryRunner.query('ALTER TABLE occurrence DROP COLUMN missed_at');
  }
}
