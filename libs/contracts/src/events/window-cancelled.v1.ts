import { z } from 'zod';
import { ActorSchema, ReasonSchema, startsBeforeEnds } from './common.schema';
import { windowSnapshotShape } from './window-snapshot.v1';

export const WindowCancelledSchema = z
  .strictObject({ ...windowSnapshotShape, status: z.literal('cancelled'), reason: ReasonSchema, cancelledBy: ActorSchema.optional() })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowCancelled = z.infer<typeof WindowCancelledSchema>;
