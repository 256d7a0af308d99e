import type { SurgeDirection } from './surge-decision';

/**
 * The sample spacing the settings counted in samples (CUSUM drift and threshold, warm-up, cool-down,
 * re-arm, the baseline's smallest learning rates and prior strength) are set for.
 */
export const REFERENCE_SPACING_MS = 5 * 60_000;

/**
 * How many of a series' samples stand for one at the reference spacing: 1 at it or slower, 20 at
 * 15 seconds. A faster series sees the same minutes in more samples; counted per sample, its CUSUM
 * would fill, its warm-up and cool-down pass and its baseline forget that many times sooner.
 */
export function samplesPerReference(cadenceMs: number | null): number {
  return cadenceMs === null || cadenceMs >= REFERENCE_SPACING_MS ? 1 : REFERENCE_SPACING_MS / cadenceMs;
}

/**
 * How a region's surges are judged. Scores are robust z-scores against the seasonal baseline.
 * Sample counts and the CUSUM's per-sample terms are at REFERENCE_SPACING_MS: a series sampled
 * faster needs samplesPerReference times as many samples, each adding 1/samplesPerReference of a
 * sample's CUSUM term.
 */
export interface SurgeThresholds {
  /** A single sample this many robust deviations from the baseline starts a surge on its own. */
  spikeScore: number;
  /** Per-sample allowance subtracted in the CUSUM, so ordinary noise never accumulates. */
  cusumDrift: number;
  /** Accumulated deviation that starts a surge built from several moderate samples. */
  cusumThreshold: number;
  /** Largest single-sample contribution to the CUSUM, so one outlier cannot fill it alone. */
  cusumCap: number;
  /** A sample below this deviation counts as calm. */
  clearScore: number;
  /** Consecutive calm samples before a surge clears (the cool-down). */
  clearAfterCalmSamples: number;
  /**
   * Samples after a clear during which no new surge starts and no CUSUM evidence builds, so one episode is reported once
   * (the service's per-region rearmAfterSamples). The default, half an hour at five-minute spacing, ends as the planner's
   * default cool-down (HOLD_COOLDOWN_MINUTES, 30) releases the hold.
   */
  rearmAfterSamples: number;
  /**
   * A surge must also be rarer than the region's usual excursions, so a region whose traffic
   * routinely spikes is judged against them, not only against its noise: an earlier excursion of
   * the same kind counts as a repeat if the new score is under peakRatio times it ...
   */
  peakRatio: number;
  /**
   * ... and a surge starts only while the series made no more than this many such repeats, each
   * counted with a weight halving every peakHalfLifeMs: with 1, a single earlier excursion never
   * hides a new one (its weight is already below 1), two recent ones do.
   */
  usualExcursions: number;
  /** Half-life of remembered excursions: a region calm for a while becomes sensitive again. */
  peakHalfLifeMs: number;
  /** Samples a new series learns from before it may fire. */
  warmupSamples: number;
  /** A gap longer than this between samples drops the accumulated evidence. */
  maxGapMs: number;
  /** A surge.updated is published when the score grows by this factor over the last one published. */
  updateGrowth: number;
  /** Score multiples (of the start threshold) at which severity becomes major and critical. */
  majorScore: number;
  criticalScore: number;
  directions: readonly SurgeDirection[];
}

/** How the seasonal baseline learns and how far its spread is trusted; rates and sample counts at REFERENCE_SPACING_MS. */
export interface BaselineOptions {
  /** Huber clipping: a residual counts at most this many spreads, so outliers barely move the level. */
  huberK: number;
  /** Smallest learning rates (EWMA) per level; early on each bucket averages all it has seen. */
  globalMinRate: number;
  hourOfDayMinRate: number;
  hourOfWeekMinRate: number;
  /** Samples a bucket needs to carry half the weight against its coarser parent. */
  priorStrength: number;
  /** Spread floors: a fraction of the level, a Poisson-like multiple of sqrt(level), an absolute minimum. */
  relativeScaleFloor: number;
  poissonScaleFloor: number;
  /** Added to the level under the square root: where under one event per sample is normal, one event is no surge. */
  poissonOffset: number;
  absoluteScaleFloor: number;
}

export interface DetectionConfig {
  defaults: SurgeThresholds;
  /** Per-region overrides, keyed by region code. */
  regions: Record<string, Partial<SurgeThresholds>>;
  baseline: BaselineOptions;
}

export const DEFAULT_SURGE_THRESHOLDS: SurgeThresholds = {
  spikeScore: 4,
  cusumDrift: 0.75,
  cusumThreshold: 6,
  cusumCap: 4,
  clearScore: 1.5,
  clearAfterCalmSamples: 12,
  rearmAfterSamples: 6,
  peakRatio: 1.1,
  usualExcursions: 1,
  peakHalfLifeMs: 30 * 24 * 60 * 60 * 1000,
  warmupSamples: 288,
  maxGapMs: 6 * 60 * 60 * 1000,
  updateGrowth: 1.5,
  majorScore: 2,
  criticalScore: 4,
  directions: ['up'],
};

export const DEFAULT_BASELINE_OPTIONS: BaselineOptions = {
  huberK: 2,
  globalMinRate: 0.01,
  hourOfDayMinRate: 0.05,
  hourOfWeekMinRate: 0.1,
  priorStrength: 4,
  relativeScaleFloor: 0.05,
  poissonScaleFloor: 1,
  poissonOffset: 0.25,
  absoluteScaleFloor: 1e-6,
};

export const DEFAULT_DETECTION_CONFIG: DetectionConfig = {
  defaults: DEFAULT_SURGE_THRESHOLDS,
  regions: {},
  baseline: DEFAULT_BASELINE_OPTIONS,
};

/** Builds a config from partial settings, each missing value taking its documented default. */
export function detectionConfig(overrides: {
  defaults?: Partial<SurgeThresholds>;
  regions?: Record<string, Partial<SurgeThresholds>>;
  baseline?: Partial<BaselineOptions>;
} = {}): DetectionConfig {
  return {
    defaults: { ...DEFAULT_SURGE_THRESHOLDS, ...overrides.defaults },
    regions: { ...overrides.regions },
    baseline: { ...DEFAULT_BASELINE_OPTIONS, ...overrides.baseline },
  };
}

export function thresholdsFor(config: DetectionConfig, region: string): SurgeThresholds {
  const override = Object.hasOwn(config.regions, region) ? config.regions[region] : undefined;
  return override ? { ...config.defaults, ...override } : config.defaults;
}
