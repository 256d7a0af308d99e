import { REFERENCE_SPACING_MS, samplesPerReference, thresholdsFor, type DetectionConfig, type SurgeThresholds } from './detection-config';
import {
  HOURS_PER_DAY,
  SeasonalBaseline,
  copyBaselineState,
  emptyBaselineState,
  localHourOfWeek,
  localHoursOfWeekAhead,
  parseBaselineState,
  regionZone,
  type BaselineBucket,
  type BaselineExpectation,
  type BaselineState,
} from './seasonal-baseline';
import type {
  DecidingSample,
  SurgeDecision,
  SurgeDecisionType,
  SurgeDirection,
  SurgeEvidence,
  SurgeSeverity,
  TrafficSample,
} from './surge-decision';

export interface ActiveSurge {
  surgeId: string;
  direction: SurgeDirection;
  startedAt: string;
  severity: SurgeSeverity;
  /** Score of the last decision published, so updates are sent only when the surge grows. */
  publishedScore: number;
  calmSamples: number;
  /** Largest excess over the baseline and the sample count when it was seen, to estimate the decay. */
  peakExcess: number;
  peakSample: number;
  /** The expected end last published (epoch ms), so a newly possible or moved estimate is published too; absent in older state. */
  publishedEndMs?: number | null;
  /** A moved end not yet published and since when the estimates have agreed with it (epoch ms); absent in older state. */
  pendingEndMs?: number | null;
  pendingEndSinceMs?: number | null;
  /**
   * The surge's own accumulated evidence (its direction's CUSUM) against the baseline it is judged against, for its score,
   * updates and evidence; absent in older state, read as the series' CUSUM. The series' CUSUMs go on against the baseline
   * as it learns (see judge).
   */
  cumulative?: number;
  /** Samples in a row calm against the baseline as it learns (see judge); absent in older state, read as 0. */
  calmLearningSamples?: number;
  /**
   * The baseline as it stood when the surge began, kept while the surge is under SHORT_EPISODE_MS: what its samples beyond
   * calm have changed since, each as it was before the surge's first such sample there (the global bucket and the
   * long-run forecast error; the hour-of-day and hour-of-week buckets keyed by local hour). The surge is judged against
   * it, and its buckets are put back if the surge clears within that time (those seen for ESTABLISHED_HOUR_MS). Absent
   * once the surge has lasted that long; in older state, absent (or only the hour-of-week buckets) and kept from the next
   * sample beyond calm on.
   */
  globalBefore?: BaselineBucket;
  dispersionBefore?: number;
  dayBucketsBefore?: Record<string, BaselineBucket>;
  weekBucketsBefore?: Record<string, BaselineBucket>;
}

export type PeakKind = `${SurgeDirection}${'Spike' | 'Sustained'}`;

/**
 * The series' past excursions of one kind, so a new one is judged by how often the series went as
 * far before: a decayed count per magnitude bin (log scale, BINS_PER_DOUBLING per doubling, keyed
 * by bin number; only bins ever reached are present, so the memory stays small), and the excursion
 * under way. A spike's magnitude is its excess over the baseline in the metric's own units, which,
 * unlike its z-score, does not creep while the series' spread is still being learned; a sustained
 * excursion's is its accumulated (CUSUM) score.
 */
export interface ExcursionMemory {
  counts: Record<string, number>;
  /** When the counts were last decayed. */
  decayedAtMs: number;
  /** Largest magnitude of the excursion in progress; 0 when the series is ordinary. */
  run: number;
}

export const SERIES_STATE_VERSION = 2;

/**
 * Everything one region's metric needs to judge its next sample: plain JSON of bounded size
 * (193 baseline buckets, a few counters, sparse excursion counts, the last EVIDENCE_SAMPLES
 * samples), so it can be stored as a jsonb row and stepped by any process.
 */
export interface SeriesState {
  version: typeof SERIES_STATE_VERSION;
  region: string;
  metric: string;
  samplesSeen: number;
  /**
   * Time learned: each sample counts its spacing, at most REFERENCE_SPACING_MS, so the warm-up lasts
   * as long at any spacing and, being a sum, never falls back when the spacing shrinks. Absent in
   * states written before it: read as samplesSeen at the reference spacing (learnedMsOf).
   */
  learnedMs?: number;
  lastAtMs: number | null;
  /** Smoothed interval between samples, to turn a decay in samples into an expected end. */
  cadenceMs: number | null;
  baseline: BaselineState;
  cusum: Record<SurgeDirection, number>;
  /** Spike and sustained excursions per direction, decayed by age when compared. */
  excursions: Record<PeakKind, ExcursionMemory>;
  /** The latest samples judged, oldest first: the evidence a decision carries. */
  recent: RecentSample[];
  rearmSamples: number;
  active: ActiveSurge | null;
}

/** A judged sample as kept in the state; entries are never changed, only replaced. */
export interface RecentSample extends Omit<DecidingSample, 'at'> {
  atMs: number;
}

export interface StepContext {
  config: DetectionConfig;
  /** The region's IANA zone; unknown or missing is a TimeError, never UTC. */
  zone: string;
}

export interface StepResult {
  state: SeriesState;
  decision: SurgeDecision | null;
}

/** Samples kept as evidence with each decision. */
export const EVIDENCE_SAMPLES = 6;
const CADENCE_RATE = 0.1;

/** Scores below this fraction of the start threshold are ordinary, not excursions. */
const EXCURSION_FLOOR = 0.5;
const BINS_PER_DOUBLING = 8;
/** Bins span 2^-128 to 2^128 of the metric's unit: any finite excess, a bounded number of keys. */
const MAX_BIN = 128 * BINS_PER_DOUBLING;
/** A remembered count decayed below this is forgotten. */
const FORGOTTEN = 0.01;
const PEAK_KINDS: readonly PeakKind[] = ['upSpike', 'upSustained', 'downSpike', 'downSustained'];

const noExcursions = (): ExcursionMemory => ({ counts: {}, decayedAtMs: 0, run: 0 });

/** The state of a series that has seen nothing yet; its baseline takes the zone of the first step. */
export function initialSeriesState(region: string, metric: string): SeriesState {
  return {
    version: SERIES_STATE_VERSION,
    region,
    metric,
    samplesSeen: 0,
    lastAtMs: null,
    cadenceMs: null,
    baseline: emptyBaselineState('UTC'),
    cusum: { up: 0, down: 0 },
    excursions: { upSpike: noExcursions(), upSustained: noExcursions(), downSpike: noExcursions(), downSustained: noExcursions() },
    recent: [],
    rearmSamples: 0,
    active: null,
  };
}

export function copySeriesState(state: SeriesState): SeriesState {
  return {
    ...state,
    baseline: copyBaselineState(state.baseline),
    cusum: { ...state.cusum },
    excursions: {
      upSpike: copyExcursions(state.excursions.upSpike),
      upSustained: copyExcursions(state.excursions.upSustained),
      downSpike: copyExcursions(state.excursions.downSpike),
      downSustained: copyExcursions(state.excursions.downSustained),
    },
    recent: state.recent.slice(),
    active: state.active && { ...state.active },
  };
}

const copyExcursions = (memory: ExcursionMemory): ExcursionMemory => ({ ...memory, counts: { ...memory.counts } });

/** Checks state read back from storage; state of an older detector version is refused, not guessed at. */
export function parseSeriesState(json: unknown): SeriesState {
  const state = json as SeriesState | null;
  if (state?.version !== SERIES_STATE_VERSION) {
    throw new Error(`Unsupported series state version ${String(state?.version)} (expected ${SERIES_STATE_VERSION}): start the series from initialSeriesState()`);
  }
  if (typeof state.region !== 'string' || typeof state.metric !== 'string') throw new Error('Series state must name its region and metric');
  if (PEAK_KINDS.some((kind) => typeof state.excursions?.[kind]?.counts !== 'object') || !Array.isArray(state.recent)) {
    throw new Error('Series state must hold the excursion memory of every kind and the recent samples');
  }
  return copySeriesState({ ...state, baseline: parseBaselineState(state.baseline) });
}

/**
 * One streaming step: judges the sample against what the series learned, then learns it. Pure: the
 * input state is left untouched and a new one returned. A late, duplicated or malformed sample
 * returns the state unchanged and no decision.
 */
export function stepSeries(state: SeriesState, sample: TrafficSample, context: StepContext): StepResult {
  const zone = regionZone(context.zone, state.region);
  if (usableAt(state, sample) === null) return { state, decision: null };
  const next = copySeriesState(state);
  return { state: next, decision: advanceSeries(next, sample, context.config, zone) };
}

/** One sample's outcome in a run: late (left out, the state unchanged) or assessed, with any decision. */
export type RunStep = { late: true; decision: null } | { late: false; decision: SurgeDecision | null };

// Most samples are neither late nor decisive: one shared (frozen) outcome each instead of an object per sample.
const LATE: RunStep = Object.freeze({ late: true, decision: null });
const QUIET: RunStep = Object.freeze({ late: false, decision: null });

export interface RunResult {
  state: SeriesState;
  /** Outcomes in the order the samples were given. */
  steps: RunStep[];
}

/**
 * stepSeries over several samples of one series, in the order given: the same states and decisions
 * as stepping them one by one, with the state copied once for the run rather than once per sample
 * (a batch of a series costs one copy). `timesMs`, when given, holds each sample's time already
 * parsed (epoch ms), so a caller that parsed them does not pay for it twice. Pure: the input state
 * is left untouched.
 */
export function stepSeriesRun(state: SeriesState, samples: readonly TrafficSample[], context: StepContext, timesMs?: readonly number[]): RunResult {
  const zone = regionZone(context.zone, state.region);
  let next: SeriesState | null = null;
  const steps = samples.map((sample, index): RunStep => {
    const atMs = usableAt(next ?? state, sample, timesMs?.[index]);
    if (atMs === null) return LATE;
    next ??= copySeriesState(state);
    const decision = advanceUsable(next, sample.value, atMs, context.config, zone);
    return decision === null ? QUIET : { late: false, decision };
  });
  return { state: next ?? state, steps };
}

/** How long a series has learned: its samples' time, or for a state written before that was kept, their count at the reference spacing. */
export const learnedMsOf = (state: SeriesState): number => state.learnedMs ?? state.samplesSeen * REFERENCE_SPACING_MS;

/**
 * The state without the times it holds after `limitMs`: a sample stamped in the future, taken before
 * such samples were refused or by a process whose clock ran ahead, would otherwise make every sample
 * up to its time late, and the excursion memory decayed as of that time would count past excursions
 * many times over. The last sample becomes the latest judged one left (none if all were ahead), so
 * the series takes samples again from then, and its spacing is measured again; what it learned
 * stays. The state itself when it holds nothing after `limitMs`.
 */
export function withoutTimesAfter(state: SeriesState, limitMs: number): SeriesState {
  if (state.lastAtMs === null || state.lastAtMs <= limitMs) return state;
  const next = copySeriesState(state);
  next.recent = next.recent.filter((sample) => sample.atMs <= limitMs);
  next.lastAtMs = next.recent.at(-1)?.atMs ?? null;
  // Measured again from the next two samples: the gap to a time far ahead says nothing of the series' spacing.
  next.cadenceMs = null;
  for (const kind of PEAK_KINDS) next.excursions[kind].decayedAtMs = Math.min(next.excursions[kind].decayedAtMs, limitMs);
  return next;
}

/** Whether a series has learned for its warm-up: `warmupSamples` at the reference spacing, in time. */
export function isWarm(state: SeriesState, warmupSamples: number): boolean {
  return learnedMsOf(state) >= warmupSamples * REFERENCE_SPACING_MS;
}

/** The sample's time, or null when it is not one to step: malformed, another series', or not newer than the last. */
function usableAt(state: SeriesState, sample: TrafficSample, parsedAtMs?: number): number | null {
  const atMs = parsedAtMs ?? (sample.at instanceof Date ? sample.at.getTime() : Date.parse(sample.at));
  if (!Number.isFinite(atMs) || !Number.isFinite(sample.value)) return null;
  if (sample.region !== state.region || sample.metric !== state.metric) return null;
  // Streaming order per series: anything not newer than the last sample is a duplicate or too late.
  return state.lastAtMs === null || atMs > state.lastAtMs ? atMs : null;
}

/**
 * The step on state the caller owns, changed in place: SurgeDetector keeps its own states and
 * skips the copy. The zone must already be checked.
 */
export function advanceSeries(state: SeriesState, sample: TrafficSample, config: DetectionConfig, zone: string): SurgeDecision | null {
  const atMs = usableAt(state, sample);
  return atMs === null ? null : advanceUsable(state, sample.value, atMs, config, zone);
}

/** The step proper, on a sample already found usable (usableAt gave its time). */
function advanceUsable(state: SeriesState, value: number, atMs: number, config: DetectionConfig, zone: string): SurgeDecision | null {
  const thresholds = thresholdsFor(config, state.region);
  const learnedMs = learnedMsOf(state) + Math.min(state.lastAtMs === null ? REFERENCE_SPACING_MS : atMs - state.lastAtMs, REFERENCE_SPACING_MS);
  if (state.lastAtMs !== null) {
    const gap = atMs - state.lastAtMs;
    state.cadenceMs = state.cadenceMs === null ? gap : state.cadenceMs + CADENCE_RATE * (gap - state.cadenceMs);
    if (gap > thresholds.maxGapMs) dropEvidence(state);
  }
  state.lastAtMs = atMs;
  state.baseline.zone = zone;
  const perReference = samplesPerReference(state.cadenceMs);
  const baseline = new SeasonalBaseline(state.baseline, config.baseline, perReference);
  if (state.active && !isShortEpisode(state.active, atMs)) forgetBaselineBefore(state.active);
  // A surge is judged against the baseline as it stood when it began: learning its samples as it goes, the expected level
  // climbed toward the surge's own, its excess shrank, and it cleared while traffic was still far above normal.
  const before = state.active && baselineBefore(state.baseline, state.active);
  const judgedBy = before ? new SeasonalBaseline(before, config.baseline, perReference) : baseline;

  const hourOfWeek = localHourOfWeek(atMs, zone);
  const learned = baseline.expectAt(hourOfWeek);
  const { expected, scale, support } = judgedBy === baseline ? learned : judgedBy.expectAt(hourOfWeek);
  let decision: SurgeDecision | null = null;
  if (Number.isFinite(expected)) {
    const zScore = (value - expected) / scale;
    const reading: Reading = { observed: value, baseline: expected, scale, support, zScore };
    const learning: Reading =
      judgedBy === baseline ? reading : { observed: value, baseline: learned.expected, scale: learned.scale, support: learned.support, zScore: (value - learned.expected) / learned.scale };
    state.recent.push({ atMs, value: value, expected, zScore });
    if (state.recent.length > EVIDENCE_SAMPLES) state.recent.shift();
    const forecast: Forecast = (stepMs, count, calm) => {
      const hourAt = localHoursOfWeekAhead(atMs, stepMs, count, zone);
      for (let k = 1; k <= count; k++) if (calm(judgedBy.expectAt(hourAt(k)))) return k;
      return null;
    };
    decision = judge(state, thresholds, reading, learning, atMs, forecast);
    // A sample at the usual level is learned as usual: what it teaches stays, and the surge is judged against it.
    const { active } = state;
    if (active && isShortEpisode(active, atMs) && (active.direction === 'up' ? zScore : -zScore) >= thresholds.clearScore) keepBaselineBefore(state.baseline, active, hourOfWeek);
  }
  baseline.learnAt(hourOfWeek, value, learned.expected);
  state.samplesSeen += 1;
  state.learnedMs = learnedMs;
  return decision;
}

type Reading = Omit<SurgeEvidence, 'cumulative' | 'score' | 'samples'>;

function dropEvidence(state: SeriesState): void {
  state.cusum = { up: 0, down: 0 };
  if (state.active) state.active.cumulative = 0;
  state.recent = state.recent.slice(-1);
}

const SPIKE: Record<SurgeDirection, PeakKind> = { up: 'upSpike', down: 'downSpike' };
const SUSTAINED: Record<SurgeDirection, PeakKind> = { up: 'upSustained', down: 'downSustained' };
const DIRECTIONS: readonly SurgeDirection[] = ['up', 'down'];

/** The first of the next `count` instants `stepMs` apart (1-based) at which the baseline, as it stands now, expects a calm level; null if none. */
type Forecast = (stepMs: number, count: number, calm: (expectation: BaselineExpectation) => boolean) => number | null;

/**
 * Judges a sample: `reading` against the baseline the active surge (if any) is judged against, `learning` against the
 * baseline as it learns (the same reading unless a surge under a day old keeps the level before it). The active surge's
 * score, evidence and clearing follow `reading`. What calibrates later surges follows `learning`, as if the surge were
 * judged against it: the series' CUSUMs, the excursion memories they and the spikes feed, and the end of the excursion,
 * where the CUSUMs start again after the re-arm wait once `learning` has been calm as long as a surge takes to clear.
 * Fed the surge's own evidence, an excursion judged against the level before it for longer was remembered far larger
 * (machine_temperature's falls at scores 21 and 42 instead of 2.2 and 2.4) and later, smaller ones passed as usual.
 */
function judge(state: SeriesState, t: SurgeThresholds, reading: Reading, learning: Reading, atMs: number, forecast: Forecast): SurgeDecision | null {
  const scores = { up: 0, down: 0 };
  const surprising = { up: false, down: false };
  const perReference = samplesPerReference(state.cadenceMs);
  // Each sample adds its share of a reference-spaced sample's evidence: the CUSUM grows with time, not with the sample count.
  const evidenceOf = (deviation: number): number => (Math.min(deviation, t.cusumCap) - t.cusumDrift) / perReference;
  const deviationOf = (direction: SurgeDirection, { zScore }: Reading): number => (direction === 'up' ? zScore : -zScore);
  // Re-arming after a clear, the series gathers no evidence: built from the tail of the episode just cleared, it started a
  // second surge on the first sample after the wait, calm or not.
  const rearming = state.rearmSamples > 0;
  // An older state's surge has no evidence of its own yet: it starts from the series' CUSUM as it stood.
  const cumulative = state.active && (state.active.cumulative ?? state.cusum[state.active.direction]);
  for (const direction of DIRECTIONS) {
    const deviation = deviationOf(direction, learning);
    state.cusum[direction] = rearming ? 0 : Math.max(0, state.cusum[direction] + evidenceOf(deviation));
    const spike = deviation / t.spikeScore;
    const sustained = state.cusum[direction] / t.cusumThreshold;
    // Spikes and sustained rises are each judged against their own history.
    const excess = Math.max(0, direction === 'up' ? learning.observed - learning.baseline : learning.baseline - learning.observed);
    const spikeNew = isRare(state.excursions[SPIKE[direction]], spike, excess, atMs, t);
    const sustainedNew = isRare(state.excursions[SUSTAINED[direction]], sustained, sustained, atMs, t);
    surprising[direction] = (spike >= 1 && spikeNew) || (sustained >= 1 && sustainedNew);
    scores[direction] = Math.max(spike, sustained);
  }
  const active = state.active;
  if (!active) {
    // The warm-up holds back new surges only: one under way (a restart may raise warmupSamples) is still followed to its end.
    if (!isWarm(state, t.warmupSamples)) return null;
    if (state.rearmSamples > 0) {
      state.rearmSamples -= 1;
      return null;
    }
    // Ordinary samples, the most common, need no list of candidates.
    if (!surprising.up && !surprising.down) return null;
    const direction = t.directions.filter((d) => surprising[d]).sort((a, b) => scores[b] - scores[a])[0];
    if (!direction) return null;
    const score = scores[direction];
    const at = new Date(atMs).toISOString();
    state.active = {
      surgeId: `${state.region}/${state.metric}/${at}`,
      direction,
      startedAt: at,
      severity: severityOf(score, t),
      publishedScore: score,
      calmSamples: 0,
      peakExcess: Math.abs(reading.observed - reading.baseline),
      peakSample: state.samplesSeen,
      cumulative: state.cusum[direction],
    };
    const end = expectedEnd(state, state.active, reading, atMs, t, forecast);
    state.active.publishedEndMs = end;
    return decisionOf('surge.started', state, state.active, reading, score, atMs, end);
  }

  // Calm against the baseline learning it for as long as a surge takes to clear, the series' own excursion ends there, as
  // it did when surges were judged against that baseline: its evidence starts again after the re-arm wait.
  if (state.rearmSamples > 0) state.rearmSamples -= 1;
  active.calmLearningSamples = deviationOf(active.direction, learning) < t.clearScore ? (active.calmLearningSamples ?? 0) + 1 : 0;
  if (active.calmLearningSamples === Math.ceil(t.clearAfterCalmSamples * perReference)) {
    state.cusum = { up: 0, down: 0 };
    state.rearmSamples = Math.ceil(t.rearmAfterSamples * perReference);
  }
  const deviation = deviationOf(active.direction, reading);
  active.cumulative = Math.max(0, (cumulative ?? 0) + evidenceOf(deviation));
  const score = Math.max(deviation / t.spikeScore, active.cumulative / t.cusumThreshold);
  const excess = Math.max(0, active.direction === 'up' ? reading.observed - reading.baseline : reading.baseline - reading.observed);
  if (excess >= active.peakExcess) {
    active.peakExcess = excess;
    active.peakSample = state.samplesSeen;
  }
  if (deviation < t.clearScore) {
    active.calmSamples += 1;
    if (active.calmSamples < t.clearAfterCalmSamples * perReference) return null;
    state.active = null;
    forgetEpisode(state, active, atMs);
    state.rearmSamples = Math.ceil(t.rearmAfterSamples * perReference);
    state.cusum = { up: 0, down: 0 };
    active.cumulative = 0;
    return decisionOf('surge.cleared', state, active, reading, score, atMs, atMs);
  }
  active.calmSamples = 0;
  const severity = severityOf(score, t);
  const escalated = severityRank[severity] > severityRank[active.severity];
  const grown = escalated || score >= active.publishedScore * t.updateGrowth;
  const end = expectedEnd(state, active, reading, atMs, t, forecast);
  // Not grown, but an end that can now be told (or has settled elsewhere) is news to whoever plans around it.
  const endNews = endSettled(active, end, atMs);
  if (!grown && !endNews) return null;
  if (grown) {
    active.severity = escalated ? severity : active.severity;
    active.publishedScore = score;
  }
  // A grown surge repeats the end last told unless a new one settled: its estimate may be one that never does.
  const told = endNews ? end : (active.publishedEndMs ?? null);
  active.publishedEndMs = told;
  return decisionOf('surge.updated', state, active, reading, score, atMs, told);
}

/**
 * How long a surge may last and still be forgotten by the hour-of-week profile when it clears. Learned as any sample, a
 * surge hour's bucket, revisited once a week, still expected the episode a week later (a x3 hour at 5.8K left 12.4K
 * there, and a x2 surge on that hour went unreported); a surge that lasts a day is a new level, and what it taught stays.
 */
const SHORT_EPISODE_MS = 24 * 3_600_000;

const isShortEpisode = (active: ActiveSurge, atMs: number): boolean => atMs - Date.parse(active.startedAt) < SHORT_EPISODE_MS;

/**
 * Keeps the buckets (and the long-run forecast error) a surge's sample is about to change, as they stand before it, unless
 * kept already: the baseline as it stood when the surge began. A new record rather than a key added: a copy of the state
 * shares the one it was copied from.
 */
function keepBaselineBefore(baseline: BaselineState, active: ActiveSurge, hourOfWeek: number): void {
  const hourOfDay = hourOfWeek % HOURS_PER_DAY;
  active.globalBefore ??= baseline.global;
  active.dispersionBefore ??= baseline.dispersion;
  if (!active.dayBucketsBefore || !(hourOfDay in active.dayBucketsBefore)) active.dayBucketsBefore = { ...active.dayBucketsBefore, [hourOfDay]: baseline.hourOfDay[hourOfDay] };
  if (!active.weekBucketsBefore || !(hourOfWeek in active.weekBucketsBefore)) active.weekBucketsBefore = { ...active.weekBucketsBefore, [hourOfWeek]: baseline.hourOfWeek[hourOfWeek] };
}

/** Drops what a surge kept of the baseline before it: lasting a day, it is a new level, judged against what it taught. */
function forgetBaselineBefore(active: ActiveSurge): void {
  delete active.globalBefore;
  delete active.dispersionBefore;
  delete active.dayBucketsBefore;
  delete active.weekBucketsBefore;
}

/** The baseline as it stood when the surge began (the state's, with what the surge kept put in), or null if it kept nothing. */
function baselineBefore(baseline: BaselineState, active: ActiveSurge): BaselineState | null {
  if (active.globalBefore === undefined && active.weekBucketsBefore === undefined) return null;
  const before: BaselineState = {
    ...baseline,
    global: active.globalBefore ?? baseline.global,
    dispersion: active.dispersionBefore ?? baseline.dispersion,
    hourOfDay: baseline.hourOfDay.slice(),
    hourOfWeek: baseline.hourOfWeek.slice(),
  };
  for (const [hour, bucket] of Object.entries(active.dayBucketsBefore ?? {})) before.hourOfDay[Number(hour)] = bucket;
  for (const [hour, bucket] of Object.entries(active.weekBucketsBefore ?? {})) before.hourOfWeek[Number(hour)] = bucket;
  return before;
}

/**
 * How long an hour of the week must have been seen before a surge for what the surge taught it to be put back: most of
 * one weekly visit (45 of its 60 minutes, so a missed sample or uneven spacing still counts as a visit). A bucket the
 * surge found empty holds nothing to put back: a new series' first busier Saturday, a false surge, was forgotten, and
 * each next Saturday was judged against the weekdays again and fired (the 2nd in 14 and the 3rd in 2 of 18 eight-week
 * runs). One visit is enough, not two weeks: the reviewer's x3 hour came a week after the series began.
 */
const ESTABLISHED_HOUR_MS = 45 * 60_000;

/**
 * Puts back what a short surge taught the baseline, so the same hours are judged against their usual level a week on and
 * the series' global level is as before it: each bucket it kept that had been seen for ESTABLISHED_HOUR_MS (one the
 * surge found new keeps what it learned). The long-run forecast error keeps the episode, as a spread that calibrates
 * later surges: put back too, it cost 0.8 NAB points.
 */
function forgetEpisode(state: SeriesState, active: ActiveSurge, atMs: number): void {
  if (!isShortEpisode(active, atMs)) return;
  // Seen time rather than samples: an hourly series sees an hour of the week once a week, one sampled every 15 s 240 times.
  const spacingMs = state.cadenceMs ?? REFERENCE_SPACING_MS;
  const established = (bucket: BaselineBucket): boolean => bucket.n * spacingMs >= ESTABLISHED_HOUR_MS;
  const { baseline } = state;
  if (active.globalBefore && established(active.globalBefore)) baseline.global = active.globalBefore;
  for (const [hour, bucket] of Object.entries(active.dayBucketsBefore ?? {})) if (established(bucket)) baseline.hourOfDay[Number(hour)] = bucket;
  for (const [hour, bucket] of Object.entries(active.weekBucketsBefore ?? {})) if (established(bucket)) baseline.hourOfWeek[Number(hour)] = bucket;
}

const binOf = (magnitude: number): number => Math.min(MAX_BIN, Math.max(-MAX_BIN, Math.floor(Math.log2(magnitude) * BINS_PER_DOUBLING)));

/**
 * Whether an excursion is rarer than the series' usual ones: it is not once the series went at least
 * 1/peakRatio as far more than usualExcursions times before, each time counted with a weight that
 * halves every peakHalfLifeMs. Also follows the excursion under way (while its score is at least
 * EXCURSION_FLOOR) and files its largest magnitude once the series is ordinary again.
 */
function isRare(memory: ExcursionMemory, score: number, magnitude: number, atMs: number, t: SurgeThresholds): boolean {
  if (score >= EXCURSION_FLOOR) {
    memory.run = Math.max(memory.run, magnitude);
  } else if (memory.run > 0) {
    const decay = Math.pow(0.5, (atMs - memory.decayedAtMs) / t.peakHalfLifeMs);
    for (const bin of Object.keys(memory.counts)) {
      const count = memory.counts[bin] * decay;
      if (count < FORGOTTEN) delete memory.counts[bin];
      else memory.counts[bin] = count;
    }
    const bin = binOf(memory.run);
    memory.counts[bin] = (memory.counts[bin] ?? 0) + 1;
    memory.decayedAtMs = atMs;
    memory.run = 0;
  }
  if (score < 1) return false;
  const lowest = binOf(magnitude / t.peakRatio);
  let repeats = 0;
  for (const bin in memory.counts) if (Number(bin) >= lowest) repeats += memory.counts[bin];
  return repeats * Math.pow(0.5, (atMs - memory.decayedAtMs) / t.peakHalfLifeMs) <= t.usualExcursions;
}

function decisionOf(
  type: SurgeDecisionType,
  state: SeriesState,
  active: ActiveSurge,
  reading: Reading,
  score: number,
  atMs: number,
  endMs: number | null,
): SurgeDecision {
  const at = new Date(atMs).toISOString();
  return {
    type,
    surgeId: active.surgeId,
    region: state.region,
    metric: state.metric,
    direction: active.direction,
    severity: active.severity,
    at,
    startedAt: active.startedAt,
    expectedEnd: endMs === null ? null : new Date(endMs).toISOString(),
    evidence: {
      ...reading,
      cumulative: active.cumulative ?? state.cusum[active.direction],
      score,
      samples: state.recent.map(({ atMs: sampleMs, ...rest }) => ({ at: new Date(sampleMs).toISOString(), ...rest })),
    },
  };
}

/** How far ahead the seasonal forecast is searched for the surge's end: a week covers every hour of the profile. */
const FORECAST_HORIZON_MS = 7 * 24 * 3_600_000;
/** Forecast steps are the series' cadence, but no finer than this, so a 15-second series costs no more than a 15-minute one. */
const MIN_FORECAST_STEP_MS = 15 * 60_000;

/**
 * When the surge should be over, by the earlier of two estimates, or null when neither can be made:
 * - decay: once the excess has fallen from its peak (by DECAY_MIN_FALL at least, the level below its
 *   recent high), its geometric decay per sample says how many more samples until it is calm;
 * - season: if the level now observed held, the first time within a week at which the seasonal
 *   forecast rises (or, for a collapse, falls) to meet it, so it is no longer unusual for that local
 *   hour (a night-time surge absorbed by the daily peak). A level the profile never reaches gives none.
 * Either way the cool-down (clearAfterCalmSamples at the series' cadence) follows.
 */
function expectedEnd(state: SeriesState, active: ActiveSurge, reading: Reading, atMs: number, t: SurgeThresholds, forecast: Forecast): number | null {
  if (state.cadenceMs === null || state.cadenceMs <= 0) return null;
  const calmAtMs = Math.min(decayCalmAt(state, active, reading, atMs, t, state.cadenceMs), seasonalCalmAt(active, reading, atMs, t, state.cadenceMs, forecast));
  return Number.isFinite(calmAtMs) ? calmAtMs + t.clearAfterCalmSamples * Math.max(state.cadenceMs, REFERENCE_SPACING_MS) : null;
}

const HOUR_MS = 3_600_000;
/** The least time the estimates must agree on a moved end before it is published. */
const END_SETTLE_MS = 30 * 60_000;

/** Whether an end estimate differs materially from another: by more than a quarter of the time that was left, an hour at least. */
const endMoved = (fromMs: number, toMs: number, atMs: number): boolean => Math.abs(toMs - fromMs) > Math.max(HOUR_MS, 0.25 * (fromMs - atMs));

/**
 * Whether this sample's end estimate is worth a surge.updated. The first one is. After that, one
 * that moved materially from the end published and that every estimate since has agreed with (not
 * moved from) for a quarter of the surge's age (END_SETTLE_MS at least): decay and season take
 * turns while a shifted level wanders about its peak, and the longer a surge outlives its
 * estimates, the less a new one that held briefly is worth notifying owners of (a passed end
 * leaves the hold open-ended, not released). Keeps the estimate being settled in the active surge.
 * An estimate that cannot be made does not retract the last one, but unsettles a pending one.
 */
function endSettled(active: ActiveSurge, endMs: number | null, atMs: number): boolean {
  const publishedMs = active.publishedEndMs ?? null;
  if (endMs !== null && publishedMs === null) return true;
  const pendingMs = active.pendingEndMs ?? null;
  if (endMs === null || publishedMs === null || !endMoved(publishedMs, endMs, atMs)) {
    active.pendingEndMs = null;
    active.pendingEndSinceMs = null;
    return false;
  }
  if (pendingMs === null || endMoved(pendingMs, endMs, atMs)) {
    active.pendingEndMs = endMs;
    active.pendingEndSinceMs = atMs;
    return false;
  }
  const sinceMs = active.pendingEndSinceMs ?? atMs;
  if (atMs - sinceMs < Math.max(END_SETTLE_MS, 0.25 * (sinceMs - Date.parse(active.startedAt)))) return false;
  active.pendingEndMs = null;
  active.pendingEndSinceMs = null;
  return true;
}

/** How far the excess must have fallen from its peak before its decay says when the surge ends: less is noise. */
const DECAY_MIN_FALL = 0.1;

function decayCalmAt(state: SeriesState, active: ActiveSurge, reading: Reading, atMs: number, t: SurgeThresholds, cadenceMs: number): number {
  const excess = active.direction === 'up' ? reading.observed - reading.baseline : reading.baseline - reading.observed;
  const elapsed = state.samplesSeen - active.peakSample;
  const calmExcess = t.clearScore * reading.scale;
  if (elapsed <= 0 || excess <= 0 || excess > active.peakExcess * (1 - DECAY_MIN_FALL)) return Number.POSITIVE_INFINITY;
  // A level still at its recent high has not decayed, whatever its excess: the baseline rising under it (its
  // next hour's, or, past a day, what it learned of the surge) took a little off, extrapolated into an end days away.
  const before = state.recent.slice(0, -1).map((sample) => sample.value);
  if (before.length > 0 && (active.direction === 'up' ? reading.observed >= Math.max(...before) : reading.observed <= Math.min(...before))) return Number.POSITIVE_INFINITY;
  const decay = Math.pow(excess / active.peakExcess, 1 / elapsed);
  const toCalm = excess <= calmExcess ? 0 : Math.ceil(Math.log(calmExcess / excess) / Math.log(decay));
  return atMs + toCalm * cadenceMs;
}

function seasonalCalmAt(active: ActiveSurge, reading: Reading, atMs: number, t: SurgeThresholds, cadenceMs: number, forecast: Forecast): number {
  const step = Math.max(cadenceMs, MIN_FORECAST_STEP_MS);
  // The same test the step applies to a sample before counting it calm.
  const calm = forecast(
    step,
    Math.floor(FORECAST_HORIZON_MS / step),
    ({ expected, scale }) => (active.direction === 'up' ? reading.observed - expected : expected - reading.observed) / scale < t.clearScore,
  );
  return calm === null ? Number.POSITIVE_INFINITY : atMs + calm * step;
}

const severityRank: Record<SurgeSeverity, number> = { minor: 0, major: 1, critical: 2 };

function severityOf(score: number, t: SurgeThresholds): SurgeSeverity {
  return score >= t.criticalScore ? 'critical' : score >= t.majorScore ? 'major' : 'minor';
}
