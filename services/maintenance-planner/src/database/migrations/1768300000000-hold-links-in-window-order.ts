import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The index on a hold's links gains window_id: a large hold's owed announcements
 * (WindowAnnouncementBacklog) read the next 100 windows after a cursor, of the links in force
 * (`released_at IS NULL`) or let go by its release (`released_at = $2`), and with the window in the
 * index that is one range from the cursor on. Without it each payment read every link the hold had
 * left and sorted them (12-25 ms of PostgreSQL's time a payment for a hold over 34,000 runs, 24
 * payments a hold). It replaces the index of (hold_id, released_at), which stays its prefix, so a
 * fan-out still writes two indexes.
 */
export class HoldLinksInWindowOrder1768300000000 implements MigrationInterface {
  name = 'HoldLinksInWindowOrder1768300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX hold_occurrence_hold');
    await queryRunner.query('CREATE INDEX hold_occurrence_hold ON hold_occurrence (hold_id, released_at, window_id)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX hold_occurrence_hold');
    await queryRunner.query('CREATE INDEX hold_occurrence_hold ON hold_occurrence (hold_id, released_at)');
  }
}
