import { z } from 'zod';
import { refineWindow, windowSnapshotShape } from './window-snapshot.v1';

export const WindowFieldSchema = z.enum([
  'title',
  'ownerTeam',
  'footprint',
  'startsAt',
  'endsAt',
  'plannedZone',
  'recurrence',
  'exdates',
  'priority',
  'surgePolicy',
  'flexibility',
  'status',
  // Runs to come the planner moved, numbers kept, to where the rule puts them by the zone rules in force (a newer tzdata): the event lists them.
  'occurrences',
]);
export type WindowField = z.infer<typeof WindowFieldSchema>;

/**
 * An owner's edit, `changes` naming the fields that differ from the previous version; or the
 * planner's move of runs to come after a change of the zone's rules, `changes: ['occurrences']`
 * with the moved runs in `occurrences` (and 'startsAt', 'endsAt' when the window's own start moved
 * back to the local time it was planned at).
 */
export const WindowUpdatedSchema = refineWindow(
  z.strictObject({ ...windowSnapshotShape, changes: z.array(WindowFieldSchema).min(1, { error: 'must name at least one changed field' }) }),
);
export type WindowUpdated = z.infer<typeof WindowUpdatedSchema>;
