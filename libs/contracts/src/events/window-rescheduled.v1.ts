import { z } from 'zod';
import { ReasonSchema, TimeRangeSchema, startsBeforeEnds } from './common.schema';
import { SlotSchema, windowSnapshotShape } from './window-snapshot.v1';

/** The window moved to `chosenSlot` (its startsAt/endsAt are already the new ones). */
export const WindowRescheduledSchema = z
  .strictObject({
    ...windowSnapshotShape,
    status: z.literal('scheduled'),
    previous: TimeRangeSchema,
    chosenSlot: SlotSchema,
    /** True when the planner moved it on the owner's standing permission, false when a person did. */
    automatic: z.boolean(),
    reason: ReasonSchema,
  })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] })
  .refine(
    (event) =>
      Date.parse(event.chosenSlot.startsAt) === Date.parse(event.startsAt) &&
      Date.parse(event.chosenSlot.endsAt) === Date.parse(event.endsAt),
    { error: "must match the window's new startsAt and endsAt", path: ['chosenSlot'] },
  );
export type WindowRescheduled = z.infer<typeof WindowRescheduledSchema>;
