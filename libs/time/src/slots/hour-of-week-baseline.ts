import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertKnownZone } from '../zones/iana-zone';
import { DAY_MS, HOUR_MS, WallClock } from '../zones/wall-clock';

/**
 * Shared contract with the impact-analyzer (keep exactly): 168 expected traffic values indexed by
 * LOCAL hour of week in `zone`, index = (isoWeekday - 1) * 24 + localHour, Monday 00:00 local = 0.
 * null = not learned yet.
 */
export interface HourOfWeekBaseline {
  region: string;
  zone: string;
  values: (number | null)[];
}

export const HOURS_PER_WEEK = 168;

// Relative traffic by local hour when nothing is learned: people sleep 01:00-05:00, busiest evenings.
const NIGHT_PROFILE_BY_HOUR = [
  0.45, 0.3, 0.2, 0.15, 0.15, 0.2, 0.35, 0.6, 0.85, 1, 1.1, 1.15, 1.2, 1.2, 1.15, 1.15, 1.15, 1.2, 1.25, 1.3, 1.25, 1.1, 0.9, 0.65,
];

/** The synthetic night-time profile used for regions without a learned baseline, mean 1. */
export const FALLBACK_LOAD: Float64Array = normalise(Array.from({ length: HOURS_PER_WEEK }, (_, hour) => NIGHT_PROFILE_BY_HOUR[hour % 24]));

/** A region's load by local hour of week, relative to its own mean (1 = an average hour). */
export interface RelativeLoad {
  readonly zone: string;
  readonly values: Float64Array;
  /** Mean of the learned values, to turn relative load back into traffic; null for the fallback. */
  readonly meanTraffic: number | null;
}

/**
 * Normalisation: each learned value is divided by the mean of the region's learned values, so an
 * hour of average traffic weighs 1 in every region whatever its size; the region's share then says
 * how much it matters. Hours not learned yet take the fallback profile's value. A baseline with
 * nothing learned returns null (the caller falls back to FALLBACK_LOAD in the region's zones).
 */
export function relativeLoad(baseline: HourOfWeekBaseline): RelativeLoad | null {
  assertKnownZone(baseline.zone);
  if (baseline.values.length !== HOURS_PER_WEEK) {
    throw new TimeError(
      TimeErrorCode.InvalidBaseline,
      `Baseline for ${baseline.region} has ${baseline.values.length} values; it needs ${HOURS_PER_WEEK}, one per local hour of the week from Monday 00:00.`,
    );
  }
  let sum = 0;
  let learned = 0;
  for (const value of baseline.values) {
    if (value === null) continue;
    if (!Number.isFinite(value) || value < 0) {
      throw new TimeError(TimeErrorCode.InvalidBaseline, `Baseline for ${baseline.region} holds ${value}; expected traffic must be a finite number ≥ 0 or null.`);
    }
    sum += value;
    learned++;
  }
  if (learned === 0) return null;
  const mean = sum / learned;
  const values = new Float64Array(HOURS_PER_WEEK);
  for (let hour = 0; hour < HOURS_PER_WEEK; hour++) {
    const value = baseline.values[hour];
    values[hour] = value === null ? FALLBACK_LOAD[hour] : mean === 0 ? 0 : value / mean;
  }
  return { zone: baseline.zone, values, meanTraffic: mean };
}

/** Hour-of-week index of a wall-clock reading (1970-01-01 was a Thursday, index 3 * 24). */
export function hourOfWeek(wall: WallClock): number {
  const day = Math.floor(wall / DAY_MS);
  const weekday = (((day + 3) % 7) + 7) % 7;
  return weekday * 24 + Math.floor((wall - day * DAY_MS) / HOUR_MS);
}

function normalise(values: number[]): Float64Array {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  return Float64Array.from(values, (value) => value / mean);
}
