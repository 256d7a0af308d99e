import { z } from 'zod';
import { EntityIdSchema, startsBeforeEnds } from './common.schema';
import { windowSnapshotShape } from './window-snapshot.v1';

export const WindowHeldSchema = z
  .strictObject({ ...windowSnapshotShape, status: z.literal('held'), holdId: EntityIdSchema })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowHeld = z.infer<typeof WindowHeldSchema>;
