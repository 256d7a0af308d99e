import { z } from 'zod';
import { ActorSchema, EntityIdSchema, InstantSchema, ReasonSchema, RegionListSchema } from './common.schema';

/** A person let one window run despite the hold; the hold stays in force for the others. */
export const HoldOverriddenSchema = z.strictObject({
  holdId: EntityIdSchema,
  /** The hold's regions, so the event lands on the hold's partition. */
  regions: RegionListSchema,
  windowId: EntityIdSchema,
  overriddenBy: ActorSchema,
  reason: ReasonSchema,
  overriddenAt: InstantSchema,
});
export type HoldOverridden = z.infer<typeof HoldOverriddenSchema>;
