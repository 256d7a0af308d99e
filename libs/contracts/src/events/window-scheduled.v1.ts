import { z } from 'zod';
import { startsBeforeEnds } from './common.schema';
import { windowSnapshotShape } from './window-snapshot.v1';

/** A new window; a window planned into an active hold is refused, so it starts out scheduled. */
export const WindowScheduledSchema = z
  .strictObject({ ...windowSnapshotShape, status: z.literal('scheduled') })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowScheduled = z.infer<typeof WindowScheduledSchema>;
