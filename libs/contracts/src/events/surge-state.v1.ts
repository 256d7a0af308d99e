import { z } from 'zod';
import { EntityIdSchema, InstantSchema, MetricNameSchema, ReasonSchema, RegionCodeSchema, TrafficValueSchema } from './common.schema';

export const SurgeSourceSchema = z.enum(['detector', 'alert', 'declaration']);
export type SurgeSource = z.infer<typeof SurgeSourceSchema>;

export const SurgeSeveritySchema = z.enum(['minor', 'major', 'critical']);
export type SurgeSeverity = z.infer<typeof SurgeSeveritySchema>;

/** Why the detector believes traffic surged; alerts and declarations usually have none. */
export const SurgeEvidenceSchema = z.strictObject({
  observed: TrafficValueSchema,
  baseline: TrafficValueSchema,
  /** Detector score (for example a z-score); only comparable between events of the same detector. */
  score: z.number(),
  samples: z.array(z.strictObject({ at: InstantSchema, value: TrafficValueSchema })).max(1000).optional(),
});
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
      reason: ReasonSchema,
    })
    .refine((surge) => surge.source !== 'detector' || (surge.metric !== undefined && surge.evidence !== undefined), {
      error: 'a detector surge must name its metric and carry evidence',
      path: ['evidence'],
    })
    .refine((surge) => surge.expectedEndAt === undefined || Date.parse(surge.expectedEndAt) > Date.parse(surge.startedAt), {
      error: 'must be after startedAt',
      path: ['expectedEndAt'],
    });
