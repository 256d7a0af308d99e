import { z } from 'zod';
import { refineWindow, windowSnapshotShape } from './window-snapshot.v1';

/** A new window; a window planned into an active hold is refused, so it starts out scheduled. */
export const WindowScheduledSchema = refineWindow(z.strictObject({ ...windowSnapshotShape, status: z.literal('scheduled') }));
export type WindowScheduled = z.infer<typeof WindowScheduledSchema>;
