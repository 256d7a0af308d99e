import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * A surge links 100k occurrences to one hold in one statement, so hold_occurrence is keyed for
 * that insert: by occurrence first (what readers ask: which holds hold this occurrence), with a
 * plain index on the hold (one key per fan-out, appended, not spread over the tree). Release sets
 * released_at, which no index reads now, so those updates stay on their page. Window rows no
 * longer store held: it is read from the occurrences, and windows stored as held get the status
 * their occurrences give.
 */
export class HoldMembershipKeys1764710000000 implements HoldfastMigration {
  name = 'HoldMembershipKeys1764710000000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX hold_occurrence_occurrence');
    await queryRunner.query('ALTER TABLE hold_occurrence DROP CONSTRAINT hold_occurrence_pkey');
    await queryRunner.query('ALTER TABLE hold_occurrence ADD PRIMARY KEY (window_id, number, hold_id)');
    await queryRunner.query('CREATE INDEX hold_occurrence_hold ON hold_occurrence (hold_id)');
    // The report only counts what the landed statements wrote; they are unchanged (docs/upgrading.md, "Migrations changed on main after they landed").
    const [, windows] = (await queryRunner.query(`
      UPDATE maintenance_window w SET status = CASE
          WHEN EXISTS (SELECT 1 FROM occurrence o WHERE o.window_id = w.id AND o.status = 'in-progress') THEN 'in-progress'
          WHEN EXISTS (SELECT 1 FROM occurrence o WHERE o.window_id = w.id AND o.status = 'needs-reschedule') THEN 'needs-reschedule'
          ELSE 'scheduled' END
        WHERE w.status = 'held'`)) as [unknown, number];
    if (windows > 0) {
      this.report = `gave ${windows} window(s) stored as held the status their runs give (in progress, else needing a new slot, else scheduled): held is read from the runs now`;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE maintenance_window w SET status = 'held'
        WHERE w.status IN ('scheduled', 'needs-reschedule') AND EXISTS (SELECT 1 FROM occurrence o WHERE o.window_id = w.id AND o.status = 'held')`);
    await queryRunner.query('DROP INDEX hold_occurrence_hold');
    await queryRunner.query('ALTER TABLE hold_occurrence DROP CONSTRAINT hold_occurrence_pkey');
    await queryRunner.query('ALTER TABLE hold_occurrence ADD PRIMARY KEY (hold_id, window_id, number)');
    await queryRunner.query('CREATE INDEX hold_occurrence_occurrence ON hold_occurrence (window_id, number) WHERE released_at IS NULL');
  }
}
