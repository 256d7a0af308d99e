import { ActorSchema, EntityIdSchema, HoldPlacedSchema, InstantSchema, ReasonSchema } from '@holdfast/contracts';
import { zodAnswerSchema, zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';

const placed = HoldPlacedSchema.shape;

/** A hold as the list (and a window's explanation) shows it: the fields of its hold.placed, and where its release stands. */
export const HoldViewSchema = z.strictObject({
  id: placed.holdId,
  regions: placed.regions,
  reason: placed.reason,
  source: placed.source,
  causeId: placed.causeId,
  placedAt: placed.placedAt,
  placedBy: ActorSchema.nullable(),
  from: placed.from,
  until: InstantSchema.nullable().meta({ description: 'null: until released' }),
  active: z.boolean().meta({ description: 'not yet released' }),
  releasedAt: InstantSchema.nullable(),
  releasedBy: ActorSchema.nullable(),
  releaseReason: ReasonSchema.nullable(),
  clearedAt: InstantSchema.nullable().meta({ description: 'when the surge behind it cleared; its release is due after the cool-down' }),
  releaseDueAt: InstantSchema.nullable(),
  holdsUntil: InstantSchema.nullable().meta({
    description:
      "the end it holds runs to, as the gate's 423 and planning's 409 name it: its releaseDueAt once its surge cleared; a declaration's until and the cool-down (HOLD_COOLDOWN_MINUTES) after it; a manual hold's until; a surge's until while it goes on (its expected end, an estimate); null: no end known, it holds until released",
  }),
  version: z.int().min(1).meta({ description: 'bumped by every change to the fields above (a new until, a clearance, the release); its ETag ("2"), which a release takes in If-Match' }),
}).meta({ id: 'Hold' });
export type HoldView = z.output<typeof HoldViewSchema>;

/** A hold as placing or releasing it answers it: with the occurrences it holds (or held when released). */
export const CountedHoldViewSchema = HoldViewSchema.extend({
  heldOccurrences: z.int().nonnegative(),
  notifyOnlyOccurrences: z.int().nonnegative().meta({ description: 'notify-only windows in its regions and period: flagged, not held' }),
}).meta({ id: 'CountedHold' });
export type CountedHoldView = z.output<typeof CountedHoldViewSchema>;

/** A run let through a hold: the window, its occurrence number, who let it through, why and when. */
export const HoldOverrideSchema = z.strictObject({
  windowId: EntityIdSchema,
  occurrence: z.int().min(1),
  overriddenBy: ActorSchema,
  reason: ReasonSchema,
  overriddenAt: InstantSchema.nullable(),
});
export type HoldOverride = z.output<typeof HoldOverrideSchema>;

/** A hold as GET /v1/holds/{id} answers it: counted, with the runs let through it. */
export const HoldDetailViewSchema = CountedHoldViewSchema.extend({
  overrides: z.array(HoldOverrideSchema).meta({ description: 'the first runs let through it, oldest first, of those heldOccurrences counts' }),
  overrideCount: z.int().nonnegative().meta({ description: 'the runs let through it, shown or not: of those heldOccurrences counts, so never more' }),
}).meta({ id: 'HoldDetail' });
export type HoldDetailView = z.output<typeof HoldDetailViewSchema>;

/** The answers' schemas for the OpenAPI document (one definition with the views' types). */
export const HOLD_PAGE = zodPageSchema(HoldViewSchema);
export const COUNTED_HOLD_ANSWER = zodAnswerSchema(CountedHoldViewSchema);
export const HOLD_DETAIL_ANSWER = zodAnswerSchema(HoldDetailViewSchema);
