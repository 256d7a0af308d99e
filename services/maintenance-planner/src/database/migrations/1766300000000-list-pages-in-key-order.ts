import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail and the holds are listed a page at a time in (time, id) order: an index in that
 * order lets each page start where the last ended instead of sorting the rows sharing an instant
 * (a hold's audit rows all share its transaction's).
 */
export class ListPagesInKeyOrder1766300000000 implements MigrationInterface {
  name = 'ListPagesInKeyOrder1766300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX audit_entry_at_id ON audit_entry (at, id)');
    await queryRunner.query('DROP INDEX audit_entry_at');
    await queryRunner.query('CREATE INDEX hold_placed_at_id ON hold (placed_at, id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX hold_placed_at_id');
    await queryRunner.query('CREATE INDEX audit_entry_at ON audit_entry (at)');
    await queryRunner.query('DROP INDEX audit_entry_at_id');
  }
}
