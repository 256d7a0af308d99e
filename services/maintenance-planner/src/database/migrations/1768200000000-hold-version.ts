import type { MigrationInterface, QueryRunner } from 'typeorm';

// What a hold shows of itself (hold-view.schema.ts): a change to any of these is a new version. Its links, counts and
// the bookkeeping only the planner reads (covered_until, severity, evidence, the chain's event ids) are not.
const SHOWN = ['regions', 'reason', 'source', 'cause_id', 'placed_at', 'placed_by', 'from_at', 'until_at', 'released_at', 'released_by', 'release_reason', 'cleared_at', 'release_due_at'];
const row = (alias: string) => `(${SHOWN.map((column) => `${alias}.${column}`).join(', ')})`;

/**
 * A hold's `version`, its ETag, which If-Match on a release is held to: bumped by the database in
 * the statement that changes what the hold shows, whichever of the planner's paths writes it (a
 * surge's update, its clearance, the sweep opening it past its end, a release), and by nothing
 * else. Existing holds start at 1.
 */
export class HoldVersion1768200000000 implements MigrationInterface {
  name = 'HoldVersion1768200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE hold ADD COLUMN version integer NOT NULL DEFAULT 1');
    await queryRunner.query(`
      CREATE FUNCTION hold_version_bumped() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.version := OLD.version + 1;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER hold_version_bumped BEFORE UPDATE ON hold
        FOR EACH ROW WHEN (${row('OLD')} IS DISTINCT FROM ${row('NEW')}) EXECUTE FUNCTION hold_version_bumped()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER hold_version_bumped ON hold');
    await queryRunner.query('DROP FUNCTION hold_version_bumped()');
    await queryRunner.query('ALTER TABLE hold DROP COLUMN version');
  }
}
