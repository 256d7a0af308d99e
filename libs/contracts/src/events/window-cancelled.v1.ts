import { z } from 'zod';
import { ActorSchema, ReasonSchema } from './common.schema';
import { refineWindow, windowSnapshotShape } from './window-snapshot.v1';

export const WindowCancelledSchema = refineWindow(
  z.strictObject({ ...windowSnapshotShape, status: z.literal('cancelled'), reason: ReasonSchema, cancelledBy: ActorSchema.optional() }),
);
export type WindowCancelled = z.infer<typeof WindowCancelledSchema>;
