import { prepared } from '@holdfast/database';
import type { EntityManager } from 'typeorm';
import { HOURS_PER_WEEK, initialSeriesState, type BaselineBucket, type SeriesState } from '../detection';

const HOURS_PER_DAY = 24;
const BUCKETS = 1 + HOURS_PER_DAY + HOURS_PER_WEEK;
/** Bytes of one series' packed buckets: n, level and spread of each as a little-endian float64. */
export const PACKED_BUCKETS_BYTES = BUCKETS * 3 * 8;

/**
 * The detector's state as a series_state row keeps it. The baseline's 193 buckets (global, then
 * 24 hour-of-day, then 168 hour-of-week; ~12 KB of the ~13 KB of JSON) are packed as doubles into a
 * bytea column: a batch reads and writes them with no JSON, no float printing or parsing, and
 * nothing for PostgreSQL to parse or compress; a double round-trips exactly. The rest of the state
 * stays jsonb (a few hundred bytes).
 */
export interface StoredSeriesState {
  state: unknown;
  buckets: Buffer | null;
}

/** SQL for the packed buckets of the row at a 1-based position in a parameter holding every row's. */
export const bucketsAt = (parameter: string, position: string): string =>
  `substring(${parameter}::bytea FROM ((${position} - 1) * ${PACKED_BUCKETS_BYTES} + 1)::integer FOR ${PACKED_BUCKETS_BYTES})`;

const CREATE_SERIES = prepared(`INSERT INTO series_state (region, metric, state, baseline_buckets, updated_at)
  SELECT region, metric, state, ${bucketsAt('$4', 'position')}, $5
  FROM unnest($1::text[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS s(region, metric, state, position)
  ON CONFLICT DO NOTHING`);

/**
 * Rows for new series, each with the detector's fresh state, none overwritten: by the samples consumer for the series of
 * its batch and by HTTP intake for those it reserves. The buckets of all rows travel as one binary parameter, each row
 * taking its slice.
 */
export function createFreshSeries(transaction: EntityManager, series: readonly { region: string; metric: string }[], now: Date): Promise<unknown> {
  const fresh = series.map(({ region, metric }) => packSeriesState(initialSeriesState(region, metric)));
  return transaction.query(CREATE_SERIES, [
    series.map((one) => one.region),
    series.map((one) => one.metric),
    fresh.map((packed) => JSON.stringify(packed.state)),
    Buffer.concat(fresh.map((packed) => packed.buckets)),
    now,
  ]);
}

/** The state without its buckets, and the buckets packed. */
export function packSeriesState(state: SeriesState): { state: object; buckets: Buffer } {
  const { global, hourOfDay, hourOfWeek, ...baseline } = state.baseline;
  const buckets = Buffer.allocUnsafe(PACKED_BUCKETS_BYTES);
  let offset = 0;
  for (const bucket of [global, ...hourOfDay, ...hourOfWeek]) {
    offset = buckets.writeDoubleLE(bucket.n, offset);
    offset = buckets.writeDoubleLE(bucket.level, offset);
    offset = buckets.writeDoubleLE(bucket.spread, offset);
  }
  return { state: { ...state, baseline }, buckets };
}

/**
 * The state as the detector reads it (still to be checked by parseSeriesState). A row written
 * before the buckets had their own column carries them in its jsonb and is read as is.
 */
export function unpackSeriesState({ state, buckets }: StoredSeriesState): unknown {
  if (buckets === null) return state;
  if (buckets.length !== PACKED_BUCKETS_BYTES) throw new Error(`Stored baseline buckets are ${buckets.length} bytes, expected ${PACKED_BUCKETS_BYTES}`);
  const bucket = (index: number): BaselineBucket => ({
    n: buckets.readDoubleLE(index * 24),
    level: buckets.readDoubleLE(index * 24 + 8),
    spread: buckets.readDoubleLE(index * 24 + 16),
  });
  const stored = state as { baseline?: object } | null;
  return {
    ...stored,
    baseline: {
      ...stored?.baseline,
      global: bucket(0),
      hourOfDay: Array.from({ length: HOURS_PER_DAY }, (_, hour) => bucket(1 + hour)),
      hourOfWeek: Array.from({ length: HOURS_PER_WEEK }, (_, hour) => bucket(1 + HOURS_PER_DAY + hour)),
    },
  };
}
