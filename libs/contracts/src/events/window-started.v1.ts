import { z } from 'zod';
import { InstantSchema, TimeRangeSchema, startsBeforeEnds } from './common.schema';
import { windowSnapshotShape } from './window-snapshot.v1';

export const WindowStartedSchema = z
  .strictObject({
    ...windowSnapshotShape,
    status: z.literal('in-progress'),
    startedAt: InstantSchema,
    /** The occurrence that started: the window's own times, or one expansion of its recurrence. */
    occurrence: TimeRangeSchema,
  })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowStarted = z.infer<typeof WindowStartedSchema>;
