import { z } from 'zod';
import { EntityIdSchema, startsBeforeEnds } from './common.schema';
import { SlotSchema, windowSnapshotShape } from './window-snapshot.v1';

/**
 * One hold let go of the window: it is scheduled again, needs a new slot because its time passed,
 * or stays held by another hold.
 */
export const WindowReleasedSchema = z
  .strictObject({
    ...windowSnapshotShape,
    status: z.enum(['scheduled', 'needs-reschedule', 'held']),
    holdId: EntityIdSchema,
    /** Best slots first; present when the window needs a new slot. */
    proposedSlots: z.array(SlotSchema).optional(),
  })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowReleased = z.infer<typeof WindowReleasedSchema>;
