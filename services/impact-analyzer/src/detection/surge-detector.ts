import { DEFAULT_DETECTION_CONFIG, thresholdsFor, type DetectionConfig, type SurgeThresholds } from './detection-config';
import type { HourOfWeekBaseline } from '@holdfast/time';
import { SeasonalBaseline, knownZone, type SeasonalBaselineJson } from './seasonal-baseline';
import type {
  DecidingSample,
  SurgeDecision,
  SurgeDecisionType,
  SurgeDirection,
  SurgeEvidence,
  SurgeSeverity,
  TrafficSample,
} from './surge-decision';

/** Gives the IANA zone a region's hour of week is counted in; undefined means UTC. */
export type RegionZoneLookup = (region: string) => string | undefined;

export interface SurgeDetectorOptions {
  config?: DetectionConfig;
  zoneOf?: RegionZoneLookup;
}

interface ActiveSurge {
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

type PeakKind = `${SurgeDirection}${'Spike' | 'Sustained'}`;

interface RememberedPeak {
  score: number;
  atMs: number;
}

const noPeak = (): RememberedPeak => ({ score: 0, atMs: 0 });

interface SeriesState {
  region: string;
  metric: string;
  baseline: SeasonalBaseline;
  samplesSeen: number;
  lastAtMs: number | null;
  /** Smoothed interval between samples, to turn a decay in samples into an expected end. */
  cadenceMs: number | null;
  cusum: Record<SurgeDirection, number>;
  /** Highest spike and sustained scores seen per direction and when, decayed by age when compared. */
  peak: Record<PeakKind, RememberedPeak>;
  recent: DecidingSample[];
  rearmSamples: number;
  active: ActiveSurge | null;
}

export interface SeriesSnapshot extends Omit<SeriesState, 'baseline'> {
  baseline: SeasonalBaselineJson;
}

export interface SurgeDetectorSnapshot {
  version: 1;
  series: SeriesSnapshot[];
}

/** Samples kept as evidence with each decision. */
const EVIDENCE_SAMPLES = 6;
const CADENCE_RATE = 0.1;

const seriesKey = (region: string, metric: string): string => `${region}\u0000${metric}`;

/**
 * Streaming surge detector: one seasonal baseline and one evidence state per region and metric.
 * A surge starts when a single sample or an accumulation of moderate ones (CUSUM) is decisive,
 * is updated while its evidence grows, and clears after a run of calm samples. Samples that are
 * late, duplicated, malformed or arrive while a series is still warming up never start a surge.
 */
export class SurgeDetector {
  private readonly config: DetectionConfig;
  private readonly zoneOf: RegionZoneLookup;
  private readonly series = new Map<string, SeriesState>();

  constructor(options: SurgeDetectorOptions = {}) {
    this.config = options.config ?? DEFAULT_DETECTION_CONFIG;
    this.zoneOf = options.zoneOf ?? (() => 'UTC');
  }

  observe(sample: TrafficSample): SurgeDecision[] {
    const at = sample.at instanceof Date ? new Date(sample.at.getTime()) : new Date(sample.at);
    const atMs = at.getTime();
    if (!sample.region || !sample.metric || !Number.isFinite(atMs) || !Number.isFinite(sample.value)) return [];
    const state = this.stateFor(sample.region, sample.metric);
    // Streaming order per series: anything not newer than the last sample is a duplicate or too late.
    if (state.lastAtMs !== null && atMs <= state.lastAtMs) return [];
    const thresholds = thresholdsFor(this.config, state.region);
    if (state.lastAtMs !== null) {
      const gap = atMs - state.lastAtMs;
      state.cadenceMs = state.cadenceMs === null ? gap : state.cadenceMs + CADENCE_RATE * (gap - state.cadenceMs);
      if (gap > thresholds.maxGapMs) this.dropEvidence(state);
    }
    state.lastAtMs = atMs;

    const { expected, scale, support } = state.baseline.expect(at);
    const decisions: SurgeDecision[] = [];
    if (Number.isFinite(expected)) {
      const zScore = (sample.value - expected) / scale;
      state.recent.push({ at: at.toISOString(), value: sample.value, expected, zScore });
      if (state.recent.length > EVIDENCE_SAMPLES) state.recent.shift();
      const decision = this.judge(state, thresholds, { observed: sample.value, baseline: expected, scale, support, zScore }, at);
      if (decision) decisions.push(decision);
    }
    state.baseline.learn(at, sample.value);
    state.samplesSeen += 1;
    return decisions;
  }

  /** The learned profile in the shared contract, or null for a series never seen. */
  baselineOf(region: string, metric: string): HourOfWeekBaseline | null {
    return this.series.get(seriesKey(region, metric))?.baseline.toHourOfWeekBaseline(region) ?? null;
  }

  activeSurges(): { region: string; metric: string; surgeId: string; direction: SurgeDirection; severity: SurgeSeverity }[] {
    return [...this.series.values()]
      .filter((s) => s.active !== null)
      .map((s) => ({ region: s.region, metric: s.metric, surgeId: s.active!.surgeId, direction: s.active!.direction, severity: s.active!.severity }));
  }

  snapshot(): SurgeDetectorSnapshot {
    return {
      version: 1,
      series: [...this.series.values()].map((s) => structuredClone({ ...s, baseline: s.baseline.toJSON() })),
    };
  }

  static restore(snapshot: SurgeDetectorSnapshot, options: SurgeDetectorOptions = {}): SurgeDetector {
    if (snapshot?.version !== 1) throw new Error(`Unsupported surge detector snapshot version: ${String(snapshot?.version)}`);
    const detector = new SurgeDetector(options);
    for (const saved of snapshot.series) {
      const { baseline, ...rest } = structuredClone(saved);
      detector.series.set(seriesKey(saved.region, saved.metric), {
        ...rest,
        baseline: SeasonalBaseline.fromJSON(baseline, detector.config.baseline),
      });
    }
    return detector;
  }

  private stateFor(region: string, metric: string): SeriesState {
    const key = seriesKey(region, metric);
    let state = this.series.get(key);
    if (!state) {
      state = {
        region,
        metric,
        baseline: new SeasonalBaseline(knownZone(this.zoneOf(region)), this.config.baseline),
        samplesSeen: 0,
        lastAtMs: null,
        cadenceMs: null,
        cusum: { up: 0, down: 0 },
        peak: { upSpike: noPeak(), upSustained: noPeak(), downSpike: noPeak(), downSustained: noPeak() },
        recent: [],
        rearmSamples: 0,
        active: null,
      };
      this.series.set(key, state);
    }
    return state;
  }

  private dropEvidence(state: SeriesState): void {
    state.cusum = { up: 0, down: 0 };
    state.recent = state.recent.slice(-1);
  }

  private judge(
    state: SeriesState,
    t: SurgeThresholds,
    reading: Omit<SurgeEvidence, 'cumulative' | 'score' | 'samples'>,
    at: Date,
  ): SurgeDecision | null {
    const scores = {} as Record<SurgeDirection, number>;
    const surprising = {} as Record<SurgeDirection, boolean>;
    const atMs = at.getTime();
    for (const direction of ['up', 'down'] as const) {
      const deviation = direction === 'up' ? reading.zScore : -reading.zScore;
      state.cusum[direction] = Math.max(0, state.cusum[direction] + Math.min(deviation, t.cusumCap) - t.cusumDrift);
      const spike = deviation / t.spikeScore;
      const sustained = state.cusum[direction] / t.cusumThreshold;
      // Spikes and sustained rises are each judged against their own history.
      const spikeNew = this.beatsPeak(state.peak[`${direction}Spike`], spike, atMs, t);
      const sustainedNew = this.beatsPeak(state.peak[`${direction}Sustained`], sustained, atMs, t);
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
      return this.decision('surge.started', state, state.active, reading, score, at, t);
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
      return this.decision('surge.cleared', state, active, reading, score, at, t);
    }
    active.calmSamples = 0;
    const severity = severityOf(score, t);
    const escalated = severityRank[severity] > severityRank[active.severity];
    if (!escalated && score < active.publishedScore * t.updateGrowth) return null;
    active.severity = escalated ? severity : active.severity;
    active.publishedScore = score;
    return this.decision('surge.updated', state, active, reading, score, at, t);
  }

  /** Whether a score beats the remembered peak (decayed by its age), remembering it if it is higher. */
  private beatsPeak(peak: RememberedPeak, score: number, atMs: number, t: SurgeThresholds): boolean {
    const remembered = peak.score * Math.pow(0.5, (atMs - peak.atMs) / t.peakHalfLifeMs);
    if (score > remembered) {
      peak.score = score;
      peak.atMs = atMs;
    }
    return score >= t.peakRatio * remembered;
  }

  private decision(
    type: SurgeDecisionType,
    state: SeriesState,
    active: ActiveSurge,
    reading: Omit<SurgeEvidence, 'cumulative' | 'score' | 'samples'>,
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
      expectedEnd: type === 'surge.cleared' ? at.toISOString() : this.expectedEnd(state, active, reading, at, t),
      evidence: { ...reading, cumulative: state.cusum[active.direction], score, samples: state.recent.map((s) => ({ ...s })) },
    };
  }

  /**
   * Once the excess has fallen from its peak, its geometric decay per sample says how many more
   * samples until it is calm; the cool-down follows. Before any decay is seen there is no estimate.
   */
  private expectedEnd(
    state: SeriesState,
    active: ActiveSurge,
    reading: Omit<SurgeEvidence, 'cumulative' | 'score' | 'samples'>,
    at: Date,
    t: SurgeThresholds,
  ): string | null {
    const excess = active.direction === 'up' ? reading.observed - reading.baseline : reading.baseline - reading.observed;
    const elapsed = state.samplesSeen - active.peakSample;
    const calmExcess = t.clearScore * reading.scale;
    if (state.cadenceMs === null || elapsed <= 0 || excess <= 0 || excess >= active.peakExcess) return null;
    const decay = Math.pow(excess / active.peakExcess, 1 / elapsed);
    const toCalm = excess <= calmExcess ? 0 : Math.ceil(Math.log(calmExcess / excess) / Math.log(decay));
    return new Date(at.getTime() + (toCalm + t.clearAfterCalmSamples) * state.cadenceMs).toISOString();
  }
}

const severityRank: Record<SurgeSeverity, number> = { minor: 0, major: 1, critical: 2 };

function severityOf(score: number, t: SurgeThresholds): SurgeSeverity {
  return score >= t.criticalScore ? 'critical' : score >= t.majorScore ? 'major' : 'minor';
}
