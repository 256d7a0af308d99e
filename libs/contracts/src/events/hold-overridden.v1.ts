import { z } from 'zod';
import { ActorSchema, EntityIdSchema, InstantSchema, ReasonSchema, RegionListSchema } from './common.schema';
import { HoldWindowSchema } from './hold-window.schema';

/** A person let one window (or one occurrence) run despite the hold; the hold stays in force for the others. */
export const HoldOverriddenSchema = z.strictObject({
  holdId: EntityIdSchema,
  /** The hold's regions, so the event lands on the hold's partition. */
  regions: RegionListSchema,
  windowId: EntityIdSchema,
  overriddenBy: ActorSchema,
  reason: ReasonSchema,
  overriddenAt: InstantSchema,
  /** The window with the occurrences let through, and their local times. */
  window: HoldWindowSchema.optional(),
});
export type HoldOverridden = z.infer<typeof HoldOverriddenSchema>;
