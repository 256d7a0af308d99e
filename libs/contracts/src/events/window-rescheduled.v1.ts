import { z } from 'zod';
import { ReasonSchema, TimeRangeSchema } from './common.schema';
import { refineWindow, SlotSchema, windowSnapshotShape } from './window-snapshot.v1';

/** The window (or one occurrence, named in `occurrences`) moved to `chosenSlot`. */
export const WindowRescheduledSchema = refineWindow(
  z.strictObject({
    ...windowSnapshotShape,
    status: z.literal('scheduled'),
    previous: TimeRangeSchema,
    chosenSlot: SlotSchema,
    /** True when the planner moved it on the owner's standing permission, false when a person did. */
    automatic: z.boolean(),
    reason: ReasonSchema,
  }),
).refine(
  (event) =>
    (event.occurrences?.length ?? 0) > 0 ||
    (Date.parse(event.chosenSlot.startsAt) === Date.parse(event.startsAt) && Date.parse(event.chosenSlot.endsAt) === Date.parse(event.endsAt)),
  { error: "must match the window's new startsAt and endsAt (or the moved occurrence's)", path: ['chosenSlot'] },
);
export type WindowRescheduled = z.infer<typeof WindowRescheduledSchema>;
