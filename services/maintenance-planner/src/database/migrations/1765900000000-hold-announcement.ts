import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A hold over more windows than one transaction announces commits first, so the gate answers 423
 * at once, and owes its window.held events: a row here until they are written, with the last
 * window announced so far (window ids in order; NULL before the first), so a restart resumes there.
 */
export class HoldAnnouncement1765900000000 implements MigrationInterface {
  name = 'HoldAnnouncement1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE hold_announcement (
        hold_id uuid PRIMARY KEY REFERENCES hold (id) ON DELETE CASCADE,
        announced_through uuid,
        owed_since timestamptz NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE hold_announcement');
  }
}
