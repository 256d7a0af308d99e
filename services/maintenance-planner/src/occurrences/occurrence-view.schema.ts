import { windowSnapshotShape } from '@holdfast/contracts';
import { zodPageSchema } from '@holdfast/service-kit';
import type { z } from 'zod';
import { ListedOccurrenceSchema } from '../windows/window-view.schema';

const { windowId, title, ownerTeam, footprint, plannedZone, surgePolicy } = windowSnapshotShape;

/**
 * A run as its window's runs list it (GET /v1/windows/{id}/occurrences), with what a page draws of
 * its window: which window, its title and team, where it can hurt, the zone it was planned in, and
 * whether a hold stops it (a notify-only window's run goes ahead in one).
 */
export const WindowOccurrenceSchema = ListedOccurrenceSchema.safeExtend({ windowId, title, ownerTeam, footprint, plannedZone, surgePolicy }).meta({ id: 'WindowOccurrence' });
export type WindowOccurrence = z.output<typeof WindowOccurrenceSchema>;

export interface WindowOccurrencePage {
  items: WindowOccurrence[];
  nextCursor: string | null;
}

export const WINDOW_OCCURRENCE_PAGE = zodPageSchema(WindowOccurrenceSchema);
