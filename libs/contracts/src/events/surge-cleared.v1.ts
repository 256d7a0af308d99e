import { z } from 'zod';
import { EntityIdSchema, InstantSchema, MetricNameSchema, ReasonSchema, RegionCodeSchema } from './common.schema';

export const SurgeClearedSchema = z
  .strictObject({
    surgeId: EntityIdSchema,
    region: RegionCodeSchema,
    metric: MetricNameSchema.optional(),
    startedAt: InstantSchema,
    clearedAt: InstantSchema,
    reason: ReasonSchema,
  })
  .refine((surge) => Date.parse(surge.clearedAt) >= Date.parse(surge.startedAt), {
    error: 'must not be before startedAt',
    path: ['clearedAt'],
  });
export type SurgeCleared = z.infer<typeof SurgeClearedSchema>;
