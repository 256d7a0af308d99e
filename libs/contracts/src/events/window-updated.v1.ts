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
]);
export type WindowField = z.infer<typeof WindowFieldSchema>;

/** An owner's edit; `changes` names the fields that differ from the previous version. */
export const WindowUpdatedSchema = refineWindow(
  z.strictObject({ ...windowSnapshotShape, changes: z.array(WindowFieldSchema).min(1, { error: 'must name at least one changed field' }) }),
);
export type WindowUpdated = z.infer<typeof WindowUpdatedSchema>;
