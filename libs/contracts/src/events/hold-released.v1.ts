import { z } from 'zod';
import { ActorSchema, EntityIdListSchema, EntityIdSchema, InstantSchema, ReasonSchema, RegionListSchema } from './common.schema';

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
});
export type HoldReleased = z.infer<typeof HoldReleasedSchema>;
