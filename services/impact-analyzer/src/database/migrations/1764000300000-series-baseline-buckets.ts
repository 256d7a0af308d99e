import { reportedNames, type HoldfastMigration } from '@holdfast/database';
import type { QueryRunner } from 'typeorm';
import { parseSeriesState } from '../../detection';
import { packSeriesState, unpackSeriesState } from '../../samples/stored-series-state';

/**
 * The baseline's 193 buckets of each series move out of the jsonb state into a bytea column of
 * packed doubles (see stored-series-state.ts): stepping a batch then reads and writes 4.6 KB of
 * binary per series rather than ~12 KB of jsonb that both ends print, parse and PostgreSQL
 * compresses. samples_seen is kept beside it for cheap progress and counts.
 */
export class SeriesBaselineBuckets1764000300000 implements HoldfastMigration {
  name = 'SeriesBaselineBuckets1764000300000';
  report?: string;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE series_state ADD COLUMN baseline_buckets bytea, ADD COLUMN samples_seen integer NOT NULL DEFAULT 0');
    const rows: { region: string; metric: string; state: unknown }[] = await queryRunner.query('SELECT region, metric, state FROM series_state');
    // The report only names what the loop did; its statements are the ones that landed.
    const unread: string[] = [];
    for (const row of rows) {
      let packed: ReturnType<typeof packSeriesState>;
      try {
        packed = packSeriesState(parseSeriesState(row.state));
      } catch {
        // State the detector cannot read stays as it is: the service starts such a series afresh.
        unread.push(`${row.region}/${row.metric}`);
        continue;
      }
      await queryRunner.query('UPDATE series_state SET state = $3, baseline_buckets = $4, samples_seen = $5 WHERE region = $1 AND metric = $2', [
        row.region,
        row.metric,
        JSON.stringify(packed.state),
        packed.buckets,
        (row.state as { samplesSeen: number }).samplesSeen,
      ]);
    }
    const said = [
      rows.length > unread.length ? `moved the baseline of ${rows.length - unread.length} series into baseline_buckets` : '',
      unread.length > 0 ? `left ${unread.length} series whose state the detector cannot read as it was, to start learning again: ${reportedNames(unread)}` : '',
    ].filter(Boolean);
    if (said.length > 0) this.report = said.join('; ');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const rows: { region: string; metric: string; state: unknown; baseline_buckets: Buffer }[] = await queryRunner.query(
      'SELECT region, metric, state, baseline_buckets FROM series_state WHERE baseline_buckets IS NOT NULL',
    );
    for (const row of rows) {
      const state = unpackSeriesState({ state: row.state, buckets: row.baseline_buckets });
      await queryRunner.query('UPDATE series_state SET state = $3 WHERE region = $1 AND metric = $2', [row.region, row.metric, JSON.stringify(state)]);
    }
    await queryRunner.query('ALTER TABLE series_state DROP COLUMN baseline_buckets, DROP COLUMN samples_seen');
  }
}
