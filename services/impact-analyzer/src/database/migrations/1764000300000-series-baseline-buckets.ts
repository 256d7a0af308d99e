import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The baseline's 193 buckets of each series move out of the jsonb state into a float8[] column
 * (n, level, spread of the global, then 24 hour-of-day, then 168 hour-of-week buckets): stepping a
 * batch then reads and writes ~4.6 KB of plain doubles per series rather than ~12 KB of jsonb that
 * PostgreSQL parses and compresses. samples_seen is kept beside it for cheap progress and counts.
 */
export class SeriesBaselineBuckets1764000300000 implements MigrationInterface {
  name = 'SeriesBaselineBuckets1764000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE series_state ADD COLUMN baseline_buckets float8[], ADD COLUMN samples_seen integer NOT NULL DEFAULT 0');
    // State the detector cannot read (no 24 + 168 buckets) is left as it is: the service starts such a series afresh.
    await queryRunner.query(`
      UPDATE series_state SET
        samples_seen = coalesce((state->>'samplesSeen')::integer, 0),
        baseline_buckets = ARRAY(
          SELECT value FROM jsonb_array_elements(jsonb_build_array(state->'baseline'->'global') || (state->'baseline'->'hourOfDay') || (state->'baseline'->'hourOfWeek'))
              WITH ORDINALITY AS b(bucket, position),
            LATERAL (VALUES (1, (bucket->>'n')::float8), (2, (bucket->>'level')::float8), (3, (bucket->>'spread')::float8)) AS f(field, value)
          ORDER BY position, field),
        state = jsonb_set(state, '{baseline}', (state->'baseline') - 'global' - 'hourOfDay' - 'hourOfWeek')
      WHERE jsonb_typeof(state->'baseline'->'hourOfDay') = 'array' AND jsonb_array_length(state->'baseline'->'hourOfDay') = 24
        AND jsonb_typeof(state->'baseline'->'hourOfWeek') = 'array' AND jsonb_array_length(state->'baseline'->'hourOfWeek') = 168
        AND jsonb_typeof(state->'baseline'->'global') = 'object'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      UPDATE series_state SET state = jsonb_set(state, '{baseline}', (state->'baseline') || jsonb_build_object(
        'global', jsonb_build_object('n', baseline_buckets[1], 'level', baseline_buckets[2], 'spread', baseline_buckets[3]),
        'hourOfDay', (SELECT jsonb_agg(jsonb_build_object('n', baseline_buckets[3 * k + 1], 'level', baseline_buckets[3 * k + 2], 'spread', baseline_buckets[3 * k + 3]) ORDER BY k)
                      FROM generate_series(1, 24) AS k),
        'hourOfWeek', (SELECT jsonb_agg(jsonb_build_object('n', baseline_buckets[3 * k + 1], 'level', baseline_buckets[3 * k + 2], 'spread', baseline_buckets[3 * k + 3]) ORDER BY k)
                       FROM generate_series(25, 192) AS k)))
      WHERE baseline_buckets IS NOT NULL`);
    await queryRunner.query('ALTER TABLE series_state DROP COLUMN baseline_buckets, DROP COLUMN samples_seen');
  }
}
