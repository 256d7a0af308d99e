import { z } from 'zod';
import { InstantSchema, TimeRangeSchema } from './common.schema';
import { refineWindow, windowSnapshotShape } from './window-snapshot.v1';

export const WindowCompletedSchema = refineWindow(
  z.strictObject({
    ...windowSnapshotShape,
    /** A recurring window goes back to scheduled for its next occurrence. */
    status: z.enum(['completed', 'scheduled']),
    completedAt: InstantSchema,
    occurrence: TimeRangeSchema,
    occurrenceNumber: z.int().min(1).optional(),
  }),
);
export type WindowCompleted = z.infer<typeof WindowCompletedSchema>;
