import { z } from 'zod';
import { ActorSchema, EntityIdListSchema, EntityIdSchema, InstantSchema, ReasonSchema, RegionListSchema } from './common.schema';
import { holdWindowsShape } from './hold-window.schema';

export const HoldReleasedSchema = z.strictObject({
  holdId: EntityIdSchema,
  /** The same regions as when placed, so the event lands on the hold's partition. */
  regions: RegionListSchema,
  releasedAt: InstantSchema,
  /** Absent when the planner released it after the surge cleared and the cool-down passed. */
  releasedBy: ActorSchema.optional(),
  reason: ReasonSchema,
  /** Windows this release let go of. */
  windowIds: EntityIdListSchema,
  /** Each released window's occurrences with their status after the release (scheduled, needs-reschedule with a proposal, or still held). */
  ...holdWindowsShape,
});
export type HoldReleased = z.infer<typeof HoldReleasedSchema>;
