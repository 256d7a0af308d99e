import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A hold over more windows than one transaction announces is placed, and released, without its
 * window events: they are owed, one row here per hold and kind (window.held after its placement,
 * window.released after its release), and written after it in the order the rows were made (`seq`),
 * so a window is never announced released before held. `announced_through` is the last window
 * announced so far (window ids in order; NULL before the first), so a restart resumes there; the
 * chain's ids are those of the event that placed or released the hold, which the owed events continue.
 */
export class HoldAnnouncement1765900000000 implements MigrationInterface {
  name = 'HoldAnnouncement1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE hold_announcement (
        seq bigserial PRIMARY KEY,
        hold_id uuid NOT NULL REFERENCES hold (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('held', 'released')),
        announced_through uuid,
        owed_since timestamptz NOT NULL,
        chain_causation_id uuid,
        chain_correlation_id text,
        UNIQUE (hold_id, kind)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE hold_announcement');
  }
}
