import { z } from 'zod';
import { EntityIdSchema, InstantSchema, MetricNameSchema, ReasonSchema, RegionCodeSchema, TrafficValueSchema } from './common.schema';

export const SurgeSourceSchema = z.enum(['detector', 'alert', 'declaration']);
export type SurgeSource = z.infer<typeof SurgeSourceSchema>;

export const SurgeSeveritySchema = z.enum(['minor', 'major', 'critical']);
export type SurgeSeverity = z.infer<typeof SurgeSeveritySchema>;

/** One sample behind a decision; `expected` and `zScore` say how it compared with the baseline. */
export const EvidenceSampleSchema = z.strictObject({
  at: InstantSchema,
  value: TrafficValueSchema,
  expected: TrafficValueSchema.optional(),
  zScore: z.number().optional(),
});

/** Why the detector believes traffic surged; alerts and declarations usually have none. */
export const SurgeEvidenceSchema = z.strictObject({
  observed: TrafficValueSchema,
  baseline: TrafficValueSchema,
  /** Detector score (for example a z-score); only comparable between events of the same detector. */
  score: z.number(),
  samples: z.array(EvidenceSampleSchema).max(1000).optional(),
  /** 'up' is a surge, 'down' a collapse (only where a region asks for it). */
  direction: z.enum(['up', 'down']).optional(),
  /** Robust z-score of the deciding sample against the seasonal baseline. */
  zScore: z.number().optional(),
  /** The spread that z-score is measured in, after the noise floors. */
  scale: z.number().nonnegative().optional(),
  /** How much of the seasonal profile the baseline rests on: the finer, the more it has learned. */
  support: z.enum(['hour-of-week', 'hour-of-day', 'global', 'none', 'ceiling']).optional(),
  /** Accumulated one-sided evidence (CUSUM) in the surge's direction. */
  cumulative: z.number().nonnegative().optional(),
});

/** A surge started because a region's samples stopped (onSignalLoss: hold): failing closed. */
export const SignalLossSchema = z.strictObject({
  lastSampleAt: InstantSchema,
  silentSeconds: z.number().nonnegative(),
});
export type SignalLoss = z.infer<typeof SignalLossSchema>;
export type SurgeEvidence = z.infer<typeof SurgeEvidenceSchema>;

/** The current view of a surge, shared by surge.started and surge.updated. */
export const surgeStateSchema = () =>
  z
    .strictObject({
      surgeId: EntityIdSchema,
      region: RegionCodeSchema,
      /** Absent for alerts and declarations that name no metric. */
      metric: MetricNameSchema.optional(),
      source: SurgeSourceSchema,
      severity: SurgeSeveritySchema,
      /** When the surge began; a declaration may start in the future ("election from ..."). */
      startedAt: InstantSchema,
      /** When Holdfast learned of it (this assessment). */
      detectedAt: InstantSchema,
      expectedEndAt: InstantSchema.optional(),
      evidence: SurgeEvidenceSchema.optional(),
      /** Present when the surge stands for a lost signal rather than for measured traffic. */
      signalLoss: SignalLossSchema.optional(),
      reason: ReasonSchema,
    })
    .refine((surge) => surge.source !== 'detector' || (surge.metric !== undefined && (surge.evidence !== undefined || surge.signalLoss !== undefined)), {
      error: 'a detector surge must name its metric and carry evidence (or say its signal was lost)',
      path: ['evidence'],
    })
    .refine((surge) => surge.expectedEndAt === undefined || Date.parse(surge.expectedEndAt) > Date.parse(surge.startedAt), {
      error: 'must be after startedAt',
      path: ['expectedEndAt'],
    });
