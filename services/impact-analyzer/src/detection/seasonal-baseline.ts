import { IANAZone } from 'luxon';
import { TimeError, TimeErrorCode, isKnownZone, type HourOfWeekBaseline } from '@holdfast/time';
import { DEFAULT_BASELINE_OPTIONS, type BaselineOptions } from './detection-config';
import type { BaselineSupport } from './surge-decision';

export interface BaselineBucket {
  /** Samples learned. */
  n: number;
  level: number;
  /** Robust spread (a standard-deviation equivalent of the clipped absolute residuals). */
  spread: number;
}

export interface SeasonalBaselineJson {
  version: 1;
  zone: string;
  global: BaselineBucket;
  hourOfDay: BaselineBucket[];
  hourOfWeek: BaselineBucket[];
  /** Whether every value learned so far was a non-negative integer; absent in older state (counts assumed). */
  counts?: boolean;
  /** Long-run mean absolute forecast error, unclipped; absent in older state. */
  dispersion?: number;
}

/** The learned state in the shape it is kept and stepped: every field present. */
export type BaselineState = Required<SeasonalBaselineJson>;

export interface BaselineExpectation {
  /** NaN until the first sample is learned. */
  expected: number;
  /** Spread after the noise floors; always positive. */
  scale: number;
  support: BaselineSupport;
}

export const HOURS_PER_WEEK = 168;
export const HOURS_PER_DAY = 24;
/** Mean absolute deviation of a normal variable times this is its standard deviation. */
const MEAN_ABS_TO_SIGMA = Math.sqrt(Math.PI / 2);
const UNCLIPPED_SAMPLES = 3;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** An offset found equal at both ends of this span holds across it: no zone changes twice in six hours. */
const STEADY_SPAN_MS = 6 * HOUR_MS;
/** Zones change offset on whole minutes at the finest. */
const MINUTE_MS = 60_000;

interface SteadyOffset {
  fromMs: number;
  toMs: number;
  offsetMs: number;
}

// Reading an offset from the tz data costs microseconds; a series asks for the same span over and over.
const steadyOffsets = new Map<string, SteadyOffset>();

function offsetAt(atMs: number, zone: string): number {
  const known = steadyOffsets.get(zone);
  if (known && atMs >= known.fromMs && atMs < known.toMs) return known.offsetMs;
  const iana = IANAZone.create(zone);
  const offset = iana.offset(atMs);
  let toMs = atMs + STEADY_SPAN_MS;
  if (iana.offset(toMs) !== offset) {
    // A change within the span: narrow it down to the minute, and trust the offset only before it.
    let before = atMs;
    while (toMs - before > MINUTE_MS) {
      const middle = before + Math.floor((toMs - before) / 2);
      if (iana.offset(middle) === offset) before = middle;
      else toMs = middle;
    }
    toMs = before + 1;
  }
  if (steadyOffsets.size >= 1_000) steadyOffsets.clear();
  steadyOffsets.set(zone, { fromMs: atMs, toMs, offsetMs: offset * MINUTE_MS });
  return offset * MINUTE_MS;
}

/** Local hour of week in an IANA zone, DST-aware: Monday 00:00 local is 0. */
export function localHourOfWeek(at: Date | number, zone: string): number {
  const atMs = typeof at === 'number' ? at : at.getTime();
  const localMs = zone === 'UTC' ? atMs : atMs + offsetAt(atMs, zone);
  return hourOfWeekAt(Number.isFinite(localMs) ? localMs : atMs);
}

function hourOfWeekAt(localMs: number): number {
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday.
  const weekday = (((Math.floor(localMs / DAY_MS) + 3) % 7) + 7) % 7;
  const hour = (((Math.floor(localMs / HOUR_MS) % 24) + 24) % 24);
  return weekday * HOURS_PER_DAY + hour;
}

/**
 * Local hours of week at fromMs + k * stepMs for k = 1..count (given as a function of k, so a
 * search can stop early), DST-aware, for a forecast: the offsets at both ends, and where they
 * differ the instant of the change, stand for the whole span (no zone changes its offset twice
 * within a week), so the span costs two tz lookups (a few dozen across a change) and leaves the
 * per-sample offset cache alone.
 */
export function localHoursOfWeekAhead(fromMs: number, stepMs: number, count: number, zone: string): (k: number) => number {
  const endMs = fromMs + count * stepMs;
  const iana = zone === 'UTC' ? null : IANAZone.create(zone);
  const before = iana ? iana.offset(fromMs) * MINUTE_MS : 0;
  const after = iana ? iana.offset(endMs) * MINUTE_MS : 0;
  let changeMs = Number.POSITIVE_INFINITY;
  if (iana && before !== after) {
    let low = fromMs;
    let high = endMs;
    // To the millisecond: the change's own instant already has the new offset.
    while (high - low > 1) {
      const middle = low + Math.floor((high - low) / 2);
      if (iana.offset(middle) * MINUTE_MS === before) low = middle;
      else high = middle;
    }
    changeMs = high;
  }
  return (k) => {
    const atMs = fromMs + k * stepMs;
    return hourOfWeekAt(atMs + (atMs < changeMs ? before : after));
  };
}

/**
 * The region's IANA zone, or a TimeError: an unknown or missing zone would misplace every
 * seasonal bucket, so it is never read as UTC.
 */
export function regionZone(zone: string | undefined, region?: string): string {
  // isKnownZone remembers its answers: no formatter is built per series and batch.
  if (zone !== undefined && isKnownZone(zone)) return zone;
  const of = region === undefined ? '' : ` for region "${region}"`;
  throw new TimeError(
    TimeErrorCode.UnknownZone,
    zone === undefined
      ? `No time zone${of}: give the region an IANA zone such as "Asia/Tehran" (or "UTC").`
      : `Unknown time zone "${zone}"${of}: use an IANA zone name such as "Asia/Tehran" (or "UTC").`,
  );
}

const emptyBucket = (): BaselineBucket => ({ n: 0, level: 0, spread: 0 });

/** A baseline that has learned nothing, in the zone's local hours. */
export function emptyBaselineState(zone: string): BaselineState {
  return {
    version: 1,
    zone,
    global: emptyBucket(),
    hourOfDay: Array.from({ length: HOURS_PER_DAY }, emptyBucket),
    hourOfWeek: Array.from({ length: HOURS_PER_WEEK }, emptyBucket),
    counts: true,
    dispersion: 0,
  };
}

/** Buckets are values (learning replaces a bucket, never changes it), so a copy shares them. */
export function copyBaselineState(state: BaselineState): BaselineState {
  return { ...state, hourOfDay: state.hourOfDay.slice(), hourOfWeek: state.hourOfWeek.slice() };
}

/** Checks saved state before it is trusted; older state without counts/dispersion is read as counts. */
export function parseBaselineState(json: SeasonalBaselineJson): BaselineState {
  if (json?.version !== 1) throw new Error(`Unsupported seasonal baseline version: ${String(json?.version)}`);
  if (json.hourOfDay?.length !== HOURS_PER_DAY || json.hourOfWeek?.length !== HOURS_PER_WEEK) {
    throw new Error('Seasonal baseline state must hold 24 hour-of-day and 168 hour-of-week buckets');
  }
  return {
    ...json,
    global: { ...json.global },
    hourOfDay: json.hourOfDay.map((b) => ({ ...b })),
    hourOfWeek: json.hourOfWeek.map((b) => ({ ...b })),
    counts: json.counts ?? true,
    dispersion: json.dispersion ?? 0,
  };
}

/**
 * Seasonal profile of one region's metric, learned online. Three levels (global, hour of day,
 * hour of week, in the region's local time) each keep a Huber-clipped EWMA of level and spread;
 * a finer bucket is blended with its coarser parent by how much it has seen, so sparse buckets
 * degrade to the hour-of-day and then the global level, and a non-seasonal series to the global one.
 */
export class SeasonalBaseline {
  private readonly options: BaselineOptions;
  private readonly state: BaselineState;
  private readonly samplesPerReference: number;

  /**
   * A new baseline in a zone (a TimeError if the zone is unknown), or a view over existing state that
   * learns in place (no copy): the detector's step owns a fresh copy per sample. samplesPerReference
   * (see detection-config's) scales what the options count in samples, the smallest learning rates
   * and the prior strength, so a bucket's memory and trust span the same time at any cadence:
   * counted per sample, a series polled every 15 seconds would remember only the last minutes of
   * each hour and trust a bucket learning for the first time after a minute of it.
   */
  constructor(zoneOrState: string | BaselineState, options: BaselineOptions = DEFAULT_BASELINE_OPTIONS, samplesPerReference = 1) {
    this.options = options;
    this.samplesPerReference = samplesPerReference;
    this.state = typeof zoneOrState === 'string' ? emptyBaselineState(regionZone(zoneOrState)) : zoneOrState;
  }

  static fromJSON(json: SeasonalBaselineJson, options: BaselineOptions = DEFAULT_BASELINE_OPTIONS): SeasonalBaseline {
    const state = parseBaselineState(json);
    regionZone(state.zone);
    return new SeasonalBaseline(state, options);
  }

  toJSON(): SeasonalBaselineJson {
    return copyBaselineState(this.state);
  }

  get zone(): string {
    return this.state.zone;
  }

  get samplesLearned(): number {
    return this.state.global.n;
  }

  /** Counts (requests, tweets) carry Poisson noise; a measured rate or ratio does not. */
  private get counts(): boolean {
    return this.state.counts;
  }

  private get global(): BaselineBucket {
    return this.state.global;
  }

  private get hourOfDay(): BaselineBucket[] {
    return this.state.hourOfDay;
  }

  private get hourOfWeek(): BaselineBucket[] {
    return this.state.hourOfWeek;
  }

  expect(at: Date): BaselineExpectation {
    return this.expectAt(localHourOfWeek(at, this.zone));
  }

  learn(at: Date, value: number): void {
    const hourOfWeek = localHourOfWeek(at, this.zone);
    this.learnAt(hourOfWeek, value, this.expectAt(hourOfWeek).expected);
  }

  /** Learns a value at a local hour of week, given what expectAt() said of that hour just before. */
  learnAt(hourOfWeek: number, value: number, expected: number): void {
    if (!Number.isFinite(value)) return;
    if (this.counts && !(Number.isInteger(value) && value >= 0)) this.state.counts = false;
    const { globalMinRate, hourOfDayMinRate, hourOfWeekMinRate } = this.options;
    const samplesPerReference = this.samplesPerReference;
    if (this.global.n > 0) {
      // The series' long-run mean absolute forecast error, outliers included: how far it routinely strays.
      const rate = Math.max(1 / this.global.n, globalMinRate / samplesPerReference);
      this.state.dispersion += rate * (Math.abs(value - expected) - this.state.dispersion);
    }
    const dayIndex = hourOfWeek % HOURS_PER_DAY;
    const day = this.hourOfDay[dayIndex];
    const week = this.hourOfWeek[hourOfWeek];
    // Each level learns against its parent's estimate as it stood before this sample.
    const globalLevel = this.global.n > 0 ? this.global.level : undefined;
    const globalSpread = this.global.n >= 2 ? this.global.spread : undefined;
    const dayLevel = globalLevel === undefined ? undefined : this.blend(globalLevel, day.level, day.n, day.spread);
    const daySpread = globalSpread === undefined ? undefined : this.blend(globalSpread, day.spread, day.n);
    this.state.global = this.updated(this.global, value, undefined, undefined, globalMinRate / samplesPerReference);
    this.hourOfDay[dayIndex] = this.updated(day, value, globalLevel, globalSpread, hourOfDayMinRate / samplesPerReference);
    this.hourOfWeek[hourOfWeek] = this.updated(week, value, dayLevel, daySpread, hourOfWeekMinRate / samplesPerReference);
  }

  toHourOfWeekBaseline(region: string): HourOfWeekBaseline {
    const values = this.hourOfWeek.map((week, index) => {
      const learned = week.n > 0 || this.hourOfDay[index % HOURS_PER_DAY].n > 0;
      return learned ? this.expectAt(index).expected : null;
    });
    return { region, zone: this.zone, values };
  }

  expectAt(hourOfWeek: number): BaselineExpectation {
    const global = this.global;
    if (global.n === 0) return { expected: Number.NaN, scale: this.floor(0), support: 'none' };
    const day = this.hourOfDay[hourOfWeek % HOURS_PER_DAY];
    const week = this.hourOfWeek[hourOfWeek];
    const dayWeight = this.weight(global.level, day.level, day.n, day.spread);
    const dayLevel = global.level + dayWeight * (day.level - global.level);
    const weekWeight = this.weight(dayLevel, week.level, week.n, week.spread);
    const expected = dayLevel + weekWeight * (week.level - dayLevel);
    const spread = this.blend(this.blend(global.spread, day.spread, day.n), week.spread, week.n);
    const support: BaselineSupport = weekWeight > 0.5 ? 'hour-of-week' : dayWeight > 0.5 ? 'hour-of-day' : 'global';
    return { expected, scale: Math.max(spread, this.floor(expected)), support };
  }

  /**
   * Shrinks a bucket's estimate toward its parent's while the bucket has seen little, and less so
   * when it differs from the parent by much more than its spread (a real seasonal difference).
   */
  private blend(parent: number, own: number, n: number, spread?: number): number {
    return parent + this.weight(parent, own, n, spread) * (own - parent);
  }

  private weight(parent: number, own: number, n: number, spread?: number): number {
    if (n === 0) return 0;
    const difference = (own - parent) ** 2;
    const noise = spread === undefined ? 1 : spread ** 2 / (spread ** 2 + difference || 1);
    const seen = n / this.samplesPerReference;
    return seen / (seen + this.options.priorStrength * noise);
  }

  /**
   * The spread never drops below what noise alone would give, so a flat series does not fire on a
   * blip: a fraction of the level always; for counts their Poisson noise; for measured values (a
   * cost of 0.05 to 3 per click, where Poisson noise would swamp the signal) the series' own
   * long-run forecast error, so its routine excursions stay routine however the buckets' clipped
   * spreads shrink between them.
   */
  private floor(level: number): number {
    const { relativeScaleFloor, poissonScaleFloor, poissonOffset, absoluteScaleFloor } = this.options;
    const magnitude = Math.abs(level);
    if (this.counts) return Math.max(relativeScaleFloor * magnitude, poissonScaleFloor * Math.sqrt(magnitude + poissonOffset), absoluteScaleFloor);
    return Math.max(relativeScaleFloor * magnitude, this.state.dispersion * MEAN_ABS_TO_SIGMA, absoluteScaleFloor);
  }

  /** The bucket after learning one more value: a new object, so copies of the state can share the old one. */
  private updated(bucket: BaselineBucket, value: number, parentLevel: number | undefined, parentSpread: number | undefined, minRate: number): BaselineBucket {
    const first = bucket.n === 0;
    let level = first ? (parentLevel ?? value) : bucket.level;
    let spread = first ? (parentSpread ?? 0) : bucket.spread;
    // A bucket's first samples are averaged unclipped: its parent's spread says nothing of how far
    // this hour sits from the parent's level, and clipping would make a seasonal difference crawl in.
    const limit = bucket.n < UNCLIPPED_SAMPLES ? Number.POSITIVE_INFINITY : this.options.huberK * Math.max(spread, this.floor(level));
    const residual = Math.min(limit, Math.max(-limit, value - level));
    level += Math.max(1 / (bucket.n + 1), minRate) * residual;
    // The parent's spread counts as one prior observation.
    spread += Math.max(1 / (bucket.n + 2), minRate) * (Math.abs(residual) * MEAN_ABS_TO_SIGMA - spread);
    return { n: bucket.n + 1, level, spread };
  }
}
