import { z } from 'zod';
import { InstantSchema, TimeRangeSchema } from './common.schema';
import { refineWindow, windowSnapshotShape } from './window-snapshot.v1';

export const WindowStartedSchema = refineWindow(
  z.strictObject({
    ...windowSnapshotShape,
    status: z.literal('in-progress'),
    startedAt: InstantSchema,
    /** The occurrence that started: the window's own times, or one expansion of its recurrence. */
    occurrence: TimeRangeSchema,
    /** Its number among the window's occurrences (`occurrences` carries its local times). */
    occurrenceNumber: z.int().min(1).optional(),
  }),
);
export type WindowStarted = z.infer<typeof WindowStartedSchema>;
