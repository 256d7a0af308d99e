import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A surge's fan-out links the runs scheduled or in progress that overlap its hold, as do an extension and the sweep's
 * horizon step, and before it the placement share-locks the scheduled runs already begun (lockRunsBegun). The only
 * index on their time (occurrence_time) holds every run ever kept, so these reads grew with history: over two years of
 * 2,000 windows (657,000 runs) each fan-out of a 24 h hold read the whole table, 11,200-15,600 buffers and 46-56 ms,
 * against 600-5,100 buffers and 1.4-10 ms with this index, as over 30 days; the lock read 62,600 buffers (40-75 ms),
 * now 125-175 (under 2 ms). Keyed by start then end: a run started and never completed stays in progress for good, and
 * its entry, ended before the holds it could meet start, is passed over in the index (about a page per 250 such runs)
 * rather than read from the table, as a start alone would have it.
 */
export class OccurrenceHoldableByTime1768700000000 implements MigrationInterface {
  name = 'OccurrenceHoldableByTime1768700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX occurrence_holdable_time ON occurrence (starts_at, ends_at) WHERE status IN ('scheduled', 'in-progress')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX occurrence_holdable_time');
  }
}
