import { thresholdsFor, type DetectionConfig, type SurgeThresholds } from './detection-config';
import { SeasonalBaseline, copyBaselineState, emptyBaselineState, parseBaselineState, regionZone, type BaselineState } from './seasonal-baseline';
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
}

export type PeakKind = `${SurgeDirection}${'Spike' | 'Sustained'}`;

export interface RememberedPeak {
  score: number;
  atMs: number;
}

export const SERIES_STATE_VERSION = 2;

/**
 * Everything one region's metric needs to judge its next sample: plain JSON, a fixed size
 * (192 baseline buckets, a few counters, the last EVIDENCE_SAMPLES samples), so it can be stored
 * as a jsonb row and stepped by any process.
 */
export interface SeriesState {
  version: typeof SERIES_STATE_VERSION;
  region: string;
  metric: string;
  samplesSeen: number;
  lastAtMs: number | null;
  /** Smoothed interval between samples, to turn a decay in samples into an expected end. */
  cadenceMs: number | null;
  baseline: BaselineState;
  cusum: Record<SurgeDirection, number>;
  /** Highest spike and sustained scores seen per direction and when, decayed by age when compared. */
  peak: Record<PeakKind, RememberedPeak>;
  recent: DecidingSample[];
  rearmSamples: number;
  active: ActiveSurge | null;
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

const noPeak = (): RememberedPeak => ({ score: 0, atMs: 0 });

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
    peak: { upSpike: noPeak(), upSustained: noPeak(), downSpike: noPeak(), downSustained: noPeak() },
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
    peak: {
      upSpike: { ...state.peak.upSpike },
      upSustained: { ...state.peak.upSustained },
      downSpike: { ...state.peak.downSpike },
      downSustained: { ...state.peak.downSustained },
    },
    recent: state.recent.map((s) => ({ ...s })),
    active: state.active && { ...state.active },
  };
}

/** Checks state read back from storage; state of an older detector version is refused, not guessed at. */
export function parseSeriesState(json: unknown): SeriesState {
  const state = json as SeriesState | null;
  if (state?.version !== SERIES_STATE_VERSION) {
    throw new Error(`Unsupported series state version ${String(state?.version)} (expected ${SERIES_STATE_VERSION}): start the series from initialSeriesState()`);
  }
  if (typeof state.region !== 'string' || typeof state.metric !== 'string') throw new Error('Series state must name its region and metric');
  return copySeriesState({ ...state, baseline: parseBaselineState(state.baseline) });
}

/**
 * One streaming step: judges the sample against what the series learned, then learns it. Pure: the
 * input state is left untouched and a new one returned. A late, duplicated or malformed sample
 * returns the state unchanged and no decision.
 */
export function stepSeries(state: SeriesState, sample: TrafficSample, context: StepContext): StepResult {
  const zone = regionZone(context.zone, state.region);
  if (!isUsable(state, sample)) return { state, decision: null };
  const next = copySeriesState(state);
  return { state: next, decision: advanceSeries(next, sample, context.config, zone) };
}

function isUsable(state: SeriesState, sample: TrafficSample): boolean {
  const atMs = sample.at instanceof Date ? sample.at.getTime() : Date.parse(sample.at);
  if (!Number.isFinite(atMs) || !Number.isFinite(sample.value)) return false;
  if (sample.region !== state.region || sample.metric !== state.metric) return false;
  // Streaming order per series: anything not newer than the last sample is a duplicate or too late.
  return state.lastAtMs === null || atMs > state.lastAtMs;
}

/**
 * The step on state the caller owns, changed in place: SurgeDetector keeps its own states and
 * skips the copy. The zone must already be checked.
 */
export function advanceSeries(state: SeriesState, sample: TrafficSample, config: DetectionConfig, zone: string): SurgeDecision | null {
  if (!isUsable(state, sample)) return null;
  const at = sample.at instanceof Date ? new Date(sample.at.getTime()) : new Date(sample.at);
  const atMs = at.getTime();
  const thresholds = thresholdsFor(config, state.region);
  if (state.lastAtMs !== null) {
    const gap = atMs - state.lastAtMs;
    state.cadenceMs = state.cadenceMs === null ? gap : state.cadenceMs + CADENCE_RATE * (gap - state.cadenceMs);
    if (gap > thresholds.maxGapMs) dropEvidence(state);
  }
  state.lastAtMs = atMs;
  state.baseline.zone = zone;
  const baseline = new SeasonalBaseline(state.baseline, config.baseline);

  const { expected, scale, support } = baseline.expect(at);
  let decision: SurgeDecision | null = null;
  if (Number.isFinite(expected)) {
    const zScore = (sample.value - expected) / scale;
    state.recent.push({ at: at.toISOString(), value: sample.value, expected, zScore });
    if (state.recent.length > EVIDENCE_SAMPLES) state.recent.shift();
    decision = judge(state, thresholds, { observed: sample.value, baseline: expected, scale, support, zScore }, at);
  }
  baseline.learn(at, sample.value);
  state.samplesSeen += 1;
  return decision;
}

type Reading = Omit<SurgeEvidence, 'cumulative' | 'score' | 'samples'>;

function dropEvidence(state: SeriesState): void {
  state.cusum = { up: 0, down: 0 };
  state.recent = state.recent.slice(-1);
}

function judge(state: SeriesState, t: SurgeThresholds, reading: Reading, at: Date): SurgeDecision | null {
  const scores = {} as Record<SurgeDirection, number>;
  const surprising = {} as Record<SurgeDirection, boolean>;
  const atMs = at.getTime();
  for (const direction of ['up', 'down'] as const) {
    const deviation = direction === 'up' ? reading.zScore : -reading.zScore;
    state.cusum[direction] = Math.max(0, state.cusum[direction] + Math.min(deviation, t.cusumCap) - t.cusumDrift);
    const spike = deviation / t.spikeScore;
    const sustained = state.cusum[direction] / t.cusumThreshold;
    // Spikes and sustained rises are each judged against their own history.
    const spikeNew = beatsPeak(state.peak[`${direction}Spike`], spike, atMs, t);
    const sustainedNew = beatsPeak(state.peak[`${direction}Sustained`], sustained, atMs, t);
    surprising[direction] = (spike >= 1 && spikeNew) || (sustained >= 1 && sustainedNew);
    scores[direction] = Math.max(spike, sustained);
  }
  if (state.samplesSeen < t.warmupSamples) return null;
  const active = state.active;
  if (!active) {
    if (state.rearmSamples > 0) {
      state.rearmSamples -= 1;
      return null;
    }
    const direction = t.directions.filter((d) => surprising[d]).sort((a, b) => scores[b] - scores[a])[0];
    if (!direction) return null;
    const score = scores[direction];
    state.active = {
      surgeId: `${state.region}/${state.metric}/${at.toISOString()}`,
      direction,
      startedAt: at.toISOString(),
      severity: severityOf(score, t),
      publishedScore: score,
      calmSamples: 0,
      peakExcess: Math.abs(reading.observed - reading.baseline),
      peakSample: state.samplesSeen,
    };
    return decisionOf('surge.started', state, state.active, reading, score, at, t);
  }

  const score = scores[active.direction];
  const deviation = active.direction === 'up' ? reading.zScore : -reading.zScore;
  const excess = Math.max(0, active.direction === 'up' ? reading.observed - reading.baseline : reading.baseline - reading.observed);
  if (excess >= active.peakExcess) {
    active.peakExcess = excess;
    active.peakSample = state.samplesSeen;
  }
  if (deviation < t.clearScore) {
    active.calmSamples += 1;
    if (active.calmSamples < t.clearAfterCalmSamples) return null;
    state.active = null;
    state.rearmSamples = t.rearmAfterSamples;
    state.cusum = { up: 0, down: 0 };
    return decisionOf('surge.cleared', state, active, reading, score, at, t);
  }
  active.calmSamples = 0;
  const severity = severityOf(score, t);
  const escalated = severityRank[severity] > severityRank[active.severity];
  if (!escalated && score < active.publishedScore * t.updateGrowth) return null;
  active.severity = escalated ? severity : active.severity;
  active.publishedScore = score;
  return decisionOf('surge.updated', state, active, reading, score, at, t);
}

/** Whether a score beats the remembered peak (decayed by its age), remembering it if it is higher. */
function beatsPeak(peak: RememberedPeak, score: number, atMs: number, t: SurgeThresholds): boolean {
  const remembered = peak.score * Math.pow(0.5, (atMs - peak.atMs) / t.peakHalfLifeMs);
  if (score > remembered) {
    peak.score = score;
    peak.atMs = atMs;
  }
  return score >= t.peakRatio * remembered;
}

function decisionOf(
  type: SurgeDecisionType,
  state: SeriesState,
  active: ActiveSurge,
  reading: Reading,
  score: number,
  at: Date,
  t: SurgeThresholds,
): SurgeDecision {
  return {
    type,
    surgeId: active.surgeId,
    region: state.region,
    metric: state.metric,
    direction: active.direction,
    severity: active.severity,
    at: at.toISOString(),
    startedAt: active.startedAt,
    expectedEnd: type === 'surge.cleared' ? at.toISOString() : expectedEnd(state, active, reading, at, t),
    evidence: { ...reading, cumulative: state.cusum[active.direction], score, samples: state.recent.map((s) => ({ ...s })) },
  };
}

/**
 * Once the excess has fallen from its peak, its geometric decay per sample says how many more
 * samples until it is calm; the cool-down follows. Before any decay is seen there is no estimate.
 */
function expectedEnd(state: SeriesState, active: ActiveSurge, reading: Reading, at: Date, t: SurgeThresholds): string | null {
  const excess = active.direction === 'up' ? reading.observed - reading.baseline : reading.baseline - reading.observed;
  const elapsed = state.samplesSeen - active.peakSample;
  const calmExcess = t.clearScore * reading.scale;
  if (state.cadenceMs === null || elapsed <= 0 || excess <= 0 || excess >= active.peakExcess) return null;
  const decay = Math.pow(excess / active.peakExcess, 1 / elapsed);
  const toCalm = excess <= calmExcess ? 0 : Math.ceil(Math.log(calmExcess / excess) / Math.log(decay));
  return new Date(at.getTime() + (toCalm + t.clearAfterCalmSamples) * state.cadenceMs).toISOString();
}

const severityRank: Record<SurgeSeverity, number> = { minor: 0, major: 1, critical: 2 };

function severityOf(score: number, t: SurgeThresholds): SurgeSeverity {
  return score >= t.criticalScore ? 'critical' : score >= t.majorScore ? 'major' : 'minor';
}
