import type { MigrationInterface, QueryRunner } from 'typeorm';

const ACTIVE_LINK = `EXISTS (SELECT 1 FROM hold_occurrence h WHERE h.window_id = o.window_id AND h.number = o.number
  AND h.kind = 'held' AND h.released_at IS NULL AND h.overridden_by IS NULL)`;

/**
 * An occurrence's held status is read from its hold links (occurrenceStatusOf), no longer stored,
 * so a surge's fan-out writes its links and nothing else. Occurrences stored held become
 * scheduled: those an active hold links read held as before. One stored held with no active link
 * behind it (what the sweep's repair used to find) is settled as a release would: scheduled if
 * still ahead, needing a new slot if its time began, and its window then needs one too. The check
 * constraint no longer takes held.
 */
export class OccurrenceHeldFromLinks1764800000000 implements MigrationInterface {
  name = 'OccurrenceHeldFromLinks1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`UPDATE occurrence o SET status = 'scheduled' WHERE o.status = 'held' AND ${ACTIVE_LINK}`);
    await queryRunner.query(`
      WITH settled AS (
        UPDATE occurrence o SET status = CASE WHEN o.starts_at <= now() THEN 'needs-reschedule' ELSE 'scheduled' END
         WHERE o.status = 'held' RETURNING o.window_id, o.status)
      UPDATE maintenance_window w SET status = 'needs-reschedule'
        FROM settled WHERE settled.window_id = w.id AND settled.status = 'needs-reschedule' AND w.status = 'scheduled'`);
    await queryRunner.query('ALTER TABLE occurrence DROP CONSTRAINT occurrence_status_check');
    await queryRunner.query(
      `ALTER TABLE occurrence ADD CONSTRAINT occurrence_status_check CHECK (status IN ('scheduled', 'needs-reschedule', 'in-progress', 'completed', 'missed', 'cancelled'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE occurrence DROP CONSTRAINT occurrence_status_check');
    await queryRunner.query(
      `ALTER TABLE occurrence ADD CONSTRAINT occurrence_status_check CHECK (status IN ('scheduled', 'held', 'needs-reschedule', 'in-progress', 'completed', 'missed', 'cancelled'))`,
    );
    await queryRunner.query(`UPDATE occurrence o SET status = 'held' WHERE o.status = 'scheduled' AND ${ACTIVE_LINK}`);
  }
}
