import { z } from 'zod';
import { ActorSchema, EntityIdListSchema, EntityIdSchema, InstantSchema, ReasonSchema, RegionListSchema } from './common.schema';
import { holdWindowsShape } from './hold-window.schema';

export * from './hold-window.schema';

export const HoldSourceSchema = z.enum(['detector', 'alert', 'declaration', 'manual']);
export type HoldSource = z.infer<typeof HoldSourceSchema>;

export const HoldPlacedSchema = z
  .strictObject({
    holdId: EntityIdSchema,
    regions: RegionListSchema,
    reason: ReasonSchema,
    source: HoldSourceSchema,
    /** Id of what caused it: the surge, alert or declaration (or the manual request). */
    causeId: z.string().min(1).max(200),
    placedAt: InstantSchema,
    placedBy: ActorSchema.optional(),
    /** Start of the held period; a declared critical period may begin after placedAt. */
    from: InstantSchema,
    /** End of the held period; null or absent: until released. */
    until: InstantSchema.nullable().optional(),
    /** Windows this hold holds at the moment it is placed (at most 1000; `windowsTruncated` says when there were more). */
    windowIds: EntityIdListSchema,
    /**
     * True when this event re-announces a hold already placed, sent only when a surge.updated moved its end (`until`) or raised its
     * severity; `reason`, `until` and `severity` are the hold's current ones. An update that changes neither is not announced.
     */
    extended: z.boolean().optional(),
    severity: z.enum(['minor', 'major', 'critical']).optional(),
    ...holdWindowsShape,
  })
  .refine((hold) => hold.until == null || Date.parse(hold.until) > Date.parse(hold.from), {
    error: 'must be after from',
    path: ['until'],
  });
export type HoldPlaced = z.infer<typeof HoldPlacedSchema>;
