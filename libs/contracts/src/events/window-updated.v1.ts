import { z } from 'zod';
import { startsBeforeEnds } from './common.schema';
import { windowSnapshotShape } from './window-snapshot.v1';

export const WindowFieldSchema = z.enum([
  'title',
  'ownerTeam',
  'footprint',
  'startsAt',
  'endsAt',
  'plannedZone',
  'recurrence',
  'priority',
  'surgePolicy',
  'flexibility',
  'status',
]);
export type WindowField = z.infer<typeof WindowFieldSchema>;

/** An owner's edit; `changes` names the fields that differ from the previous version. */
export const WindowUpdatedSchema = z
  .strictObject({ ...windowSnapshotShape, changes: z.array(WindowFieldSchema).min(1, { error: 'must name at least one changed field' }) })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type WindowUpdated = z.infer<typeof WindowUpdatedSchema>;
