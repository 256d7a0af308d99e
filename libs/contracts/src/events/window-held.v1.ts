import { z } from 'zod';
import { EntityIdSchema, ReasonSchema, RegionListSchema } from './common.schema';
import { refineWindow, windowSnapshotShape } from './window-snapshot.v1';

/** A hold landed on the window; `occurrences` are the held ones (an `inProgress` one runs on). */
export const WindowHeldSchema = refineWindow(
  z.strictObject({
    ...windowSnapshotShape,
    status: z.literal('held'),
    holdId: EntityIdSchema,
    /** The hold's regions, so a reader names the surge without asking. */
    holdRegions: RegionListSchema.optional(),
    /** The hold's reason (a surge's, a declaration's, a person's), so a reader says why without asking. */
    holdReason: ReasonSchema.optional(),
  }),
);
export type WindowHeld = z.infer<typeof WindowHeldSchema>;
