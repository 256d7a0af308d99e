import { HOURS_PER_WEEK, type BaselineBucket, type SeriesState } from '../detection';

const HOURS_PER_DAY = 24;
/** The global bucket, then 24 hour-of-day and 168 hour-of-week buckets, each as n, level, spread. */
export const BUCKET_VALUES = (1 + HOURS_PER_DAY + HOURS_PER_WEEK) * 3;

/**
 * The detector's state as a series_state row keeps it. The baseline's 193 buckets (most of the
 * state) go to one float8[] column: PostgreSQL stores and returns it without parsing or compressing
 * ~12 KB of jsonb per series per batch. The rest stays jsonb (a few hundred bytes). float8 and JSON
 * numbers both round-trip a double exactly, so nothing is lost either way.
 */
export interface StoredSeriesState {
  state: unknown;
  buckets: number[] | null;
}

export function packSeriesState(state: SeriesState): { state: object; buckets: number[] } {
  const { global, hourOfDay, hourOfWeek, ...baseline } = state.baseline;
  const buckets = new Array<number>(BUCKET_VALUES);
  [global, ...hourOfDay, ...hourOfWeek].forEach((bucket, index) => {
    buckets[index * 3] = bucket.n;
    buckets[index * 3 + 1] = bucket.level;
    buckets[index * 3 + 2] = bucket.spread;
  });
  return { state: { ...state, baseline }, buckets };
}

/**
 * The state as the detector reads it (still to be checked by parseSeriesState). A row written
 * before the buckets had their own column carries them in its jsonb and is read as is.
 */
export function unpackSeriesState({ state, buckets }: StoredSeriesState): unknown {
  if (buckets === null) return state;
  if (buckets.length !== BUCKET_VALUES) throw new Error(`Stored baseline holds ${buckets.length} values, expected ${BUCKET_VALUES}`);
  const bucket = (index: number): BaselineBucket => ({ n: buckets[index * 3], level: buckets[index * 3 + 1], spread: buckets[index * 3 + 2] });
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
