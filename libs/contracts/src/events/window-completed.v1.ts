import { z } from 'zod';
import { InstantSchema, TimeRangeSchema, startsBeforeEnds } from './common.schema';
import { windowSnapshotShape } from './window-snapshot.v1';

export const WindowCompletedSchema = z
  .strictObject({
    ...windowSnapshotShape,
    /** A recurring window goes back to scheduled for its next occurrence. */
    status: z.enum(['completed', 'scheduled']),
    completedAt: InstantSchema,
    occurrence: TimeRangeSchema,
  })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowCompleted = z.infer<typeof WindowCompletedSchema>;
