/** One traffic measurement for a region, as carried by traffic.sample events. */
export interface TrafficSample {
  region: string;
  metric: string;
  at: Date | string;
  value: number;
}

/** The event names the analyzer publishes on region.surges.v1. */
export type SurgeDecisionType = 'surge.started' | 'surge.updated' | 'surge.cleared';

export type SurgeSeverity = 'minor' | 'major' | 'critical';

/** 'up' is a surge; 'down' is a collapse, reported only where a region's thresholds ask for it. */
export type SurgeDirection = 'up' | 'down';

/** Where the expected value came from: the finer the level, the more the baseline has learned. */
export type BaselineSupport = 'hour-of-week' | 'hour-of-day' | 'global' | 'none';

export interface DecidingSample {
  at: string;
  value: number;
  expected: number;
  /** Robust z-score of this sample against the baseline (positive = above it). */
  zScore: number;
}

export interface SurgeEvidence {
  observed: number;
  baseline: number;
  /** Robust spread used to scale the deviation, after the noise floors. */
  scale: number;
  support: BaselineSupport;
  zScore: number;
  /** Accumulated one-sided evidence (CUSUM) in the surge's direction. */
  cumulative: number;
  /** Evidence relative to the start threshold: 1 is just decisive. */
  score: number;
  /** The latest samples that built the evidence, oldest first. */
  samples: DecidingSample[];
}

export interface SurgeDecision {
  type: SurgeDecisionType;
  /** Stable per episode, so downstream consumers can place one hold per surge. */
  surgeId: string;
  region: string;
  metric: string;
  direction: SurgeDirection;
  severity: SurgeSeverity;
  /** The instant of the sample that produced this decision (ISO 8601, UTC). */
  at: string;
  startedAt: string;
  /** When the surge is likely to have cleared, once its decay can be measured; null otherwise. */
  expectedEnd: string | null;
  evidence: SurgeEvidence;
}
