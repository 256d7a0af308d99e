import type { HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';

/**
 * A link keeps its run's start (run_starts_at), and a hold's links are indexed in the order GET /v1/occurrences?hold= lists
 * them (start, window, number): a page reads about as many links as it shows, from its cursor on. Before, nothing ordered a
 * hold's links by their runs' start, and the first page of a hold over 120,000 runs read every one of its links, and every
 * run, to find its first (238-297 ms). Whoever writes a link writes its run's start with it (the fan-out reads it already),
 * so a surge's insert fires no trigger; a run that moves (back to its local time under new zone rules, or to a new slot on
 * a release) takes its links' starts with it, by the trigger below, whichever path moves it.
 *
 * Existing links get their runs' starts in one statement, not in steps: each migration runs in its own transaction, which
 * holds the ALTER TABLE's lock until it commits, so steps would let no link be written sooner nor free an old row version
 * earlier, while one UPDATE joins the two tables once. The index is built after it, from the filled column. A link whose
 * run is gone (none should be: a replan deletes a run's links with it) is given -infinity and said in the start log.
 */
export class HoldLinksInRunOrder1769100200000 implements HoldfastMigration {
  name = 'HoldLinksInRunOrder1769100200000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold_occurrence ADD COLUMN run_starts_at timestamptz');
    await queryRunner.query('UPDATE hold_occurrence l SET run_starts_at = o.starts_at FROM occurrence o WHERE o.window_id = l.window_id AND o.number = l.number');
    const [, runless] = (await queryRunner.query(`UPDATE hold_occurrence SET run_starts_at = '-infinity' WHERE run_starts_at IS NULL`)) as [unknown, number];
    if (runless > 0) {
      this.report = `found ${runless} hold link(s) whose run no longer exists: kept (a hold's counts include them), dated -infinity; no list shows them, as before`;
    }
    await queryRunner.query('ALTER TABLE hold_occurrence ALTER COLUMN run_starts_at SET NOT NULL');
    await queryRunner.query('CREATE INDEX hold_occurrence_hold_run_start ON hold_occurrence (hold_id, run_starts_at, window_id, number)');
    // The function keeps the migration's search path: a session with another one still moves runs.
    await queryRunner.query(`
      CREATE FUNCTION hold_links_follow_run() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        UPDATE hold_occurrence SET run_starts_at = NEW.starts_at WHERE window_id = NEW.window_id AND number = NEW.number;
        RETURN NULL;
      END $$`);
    // Fired only by an UPDATE that sets starts_at and changes it: marking runs missed, a start or a completion never fire it.
    await queryRunner.query(`
      CREATE TRIGGER hold_links_follow_run AFTER UPDATE OF starts_at ON occurrence
        FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at) EXECUTE FUNCTION hold_links_follow_run()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER hold_links_follow_run ON occurrence');
    await queryRunner.query('DROP FUNCTION hold_links_follow_run()');
    await queryRunner.query('DROP INDEX hold_occurrence_hold_run_start');
    await queryRunner.query('ALTER TABLE hold_occurrence DROP COLUMN run_starts_at');
  }
}
