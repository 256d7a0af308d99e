import { z } from 'zod';
import { EntityIdSchema, ReasonSchema } from './common.schema';
import { refineWindow, SlotSchema, windowSnapshotShape } from './window-snapshot.v1';

/**
 * One hold let go of the window: it is scheduled again, needs a new slot because its time passed,
 * or stays held by another hold. `occurrences` lists the released ones, each with its new status
 * (and a proposed slot when it needs one).
 */
export const WindowReleasedSchema = refineWindow(
  z.strictObject({
    ...windowSnapshotShape,
    status: z.enum(['scheduled', 'needs-reschedule', 'held']),
    holdId: EntityIdSchema,
    /** Why the hold let go (its release reason), so a reader says why without asking. */
    holdReason: ReasonSchema.optional(),
    /** Best slots first; present when the window needs a new slot. */
    proposedSlots: z.array(SlotSchema).optional(),
  }),
);
export type WindowReleased = z.infer<typeof WindowReleasedSchema>;
