import type { MigrationInterface, QueryRunner } from 'typeorm';

const TRIGGER = (columns: string) => `
  CREATE CONSTRAINT TRIGGER hold_set_changed
    AFTER INSERT OR DELETE OR UPDATE OF ${columns} ON hold
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_set_changed()`;

/**
 * The gate reads a hold's `release_due_at` (a cleared surge's hold is in force until then), so
 * setting it must change `hold_set_version` too, or a replica's gate kept refusing runs after the
 * release was due, until the sweep released the hold.
 */
export class HoldSetVersionOnReleaseDue1766900000000 implements MigrationInterface {
  name = 'HoldSetVersionOnReleaseDue1766900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER hold_set_changed ON hold');
    await queryRunner.query(TRIGGER('id, regions, reason, source, placed_at, from_at, until_at, released_at, release_due_at'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER hold_set_changed ON hold');
    await queryRunner.query(TRIGGER('id, regions, reason, source, placed_at, from_at, until_at, released_at'));
  }
}
