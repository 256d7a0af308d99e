import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

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
export class OccurrenceHeldFromLinks1764800000000 implements HoldfastMigration {
  name = 'OccurrenceHeldFromLinks1764800000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, linked] = (await queryRunner.query(`UPDATE occurrence o SET status = 'scheduled' WHERE o.status = 'held' AND ${ACTIVE_LINK}`)) as [unknown, number];
    // The runs the next statement settles, read before it as it reads them.
    const [{ begun, ahead }] = (await queryRunner.query(
      "SELECT count(*) FILTER (WHERE starts_at <= now())::int AS begun, count(*) FILTER (WHERE starts_at > now())::int AS ahead FROM occurrence WHERE status = 'held'",
    )) as [{ begun: number; ahead: number }];
    const [, windows] = (await queryRunner.query(`
      WITH settled AS (
        UPDATE occurrence o SET status = CASE WHEN o.starts_at <= now() THEN 'needs-reschedule' ELSE 'scheduled' END
         WHERE o.status = 'held' RETURNING o.window_id, o.status)
      UPDATE maintenance_window w SET status = 'needs-reschedule'
        FROM settled WHERE settled.window_id = w.id AND settled.status = 'needs-reschedule' AND w.status = 'scheduled'`)) as [unknown, number];
    const said = [
      linked > 0 ? `stored as scheduled ${linked} held run(s) an active hold links (read as held from its links now)` : '',
      begun + ahead > 0 ? `settled as a release would ${begun + ahead} held run(s) no active hold linked: ${ahead} scheduled, ${begun} needing a new slot as its time had begun, with ${windows} window(s)` : '',
    ].filter(Boolean);
    if (said.length > 0) this.report = said.join('; ');
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
