import { ActorSchema, InstantSchema, ReasonSchema, windowSnapshotShape } from '@holdfast/contracts';
import { zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';
import { ListedOccurrenceSchema } from '../windows/window-view.schema';

const { windowId, title, ownerTeam, footprint, plannedZone, surgePolicy } = windowSnapshotShape;

/**
 * What the hold a list was asked for (`?hold=`) does to a run: hold it or flag it, since when, and who let it through by an
 * override and why. Said for a released hold too, whose runs heldBy and letThroughBy name no more; and for more overrides
 * than GET /v1/holds/{id} shows.
 */
export const RunUnderHoldSchema = z
  .strictObject({
    kind: z.enum(['held', 'notify-only']).meta({ description: "held: the hold stops the run unless an override lets it through; notify-only: a notify-only window's run, flagged, not stopped" }),
    heldAt: InstantSchema.meta({ description: 'when the hold took the run' }),
    overriddenBy: ActorSchema.nullable().meta({ description: 'who let the run through the hold with an override; null when none did' }),
    overrideReason: ReasonSchema.nullable(),
    overriddenAt: InstantSchema.nullable(),
  })
  .meta({ id: 'RunUnderHold' });
export type RunUnderHold = z.output<typeof RunUnderHoldSchema>;

/**
 * A run as its window's runs list it (GET /v1/windows/{id}/occurrences), with what a page draws of
 * its window: which window, its title and team, where it can hurt, the zone it was planned in, and
 * whether a hold stops it (a notify-only window's run goes ahead in one).
 */
export const WindowOccurrenceSchema = ListedOccurrenceSchema.safeExtend({
  windowId,
  title,
  ownerTeam,
  footprint,
  plannedZone,
  surgePolicy,
  byHold: RunUnderHoldSchema.optional().meta({ description: 'with hold= only: what that hold does to this run' }),
}).meta({ id: 'WindowOccurrence' });
export type WindowOccurrence = z.output<typeof WindowOccurrenceSchema>;

export interface WindowOccurrencePage {
  items: WindowOccurrence[];
  nextCursor: string | null;
}

export const WINDOW_OCCURRENCE_PAGE = zodPageSchema(WindowOccurrenceSchema);
