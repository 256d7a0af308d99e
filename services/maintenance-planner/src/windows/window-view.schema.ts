import { EntityIdSchema, InstantSchema, OccurrenceSchema, windowSnapshotShape } from '@holdfast/contracts';
import { zodAnswerSchema, zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';

/** A window as the list answers it: the fields of its snapshot in libs/contracts (what window.* events carry), and its id. */
const ListedWindowSchema = z.object({ ...windowSnapshotShape, id: EntityIdSchema.meta({ description: 'the same as windowId' }) }).meta({ id: 'ListedWindow' });

/** A window as GET, and every change, answer it: as listed, with the run due now or next. */
const WindowSchema = ListedWindowSchema.extend({
  nextOccurrence: OccurrenceSchema.nullable().meta({ description: 'the first run scheduled, in progress or waiting for a new slot; null when none is left' }),
}).meta({ id: 'Window' });

/** A window as planning it answers it: with the holds its override let it through. */
const PlannedWindowSchema = WindowSchema.extend({
  overridden: z.array(EntityIdSchema).meta({ description: 'the holds its override: {reason} let it through (each recorded with who and why, as POST .../override names them); [] when it was planned into none' }),
}).meta({ id: 'PlannedWindow' });

/** The answers' schemas for the OpenAPI document, from the contract's window schema (one definition; each view once, under its id). */
export const WINDOW_ANSWER = zodAnswerSchema(WindowSchema);
export const PLANNED_WINDOW_ANSWER = zodAnswerSchema(PlannedWindowSchema);
export const WINDOW_PAGE = zodPageSchema(ListedWindowSchema);
export const OVERRIDE_ANSWER = zodAnswerSchema(
  z
    .object({
      windowId: EntityIdSchema,
      overridden: z.array(EntityIdSchema).meta({ description: 'the holds it was let through' }),
      window: WindowSchema,
    })
    .meta({ id: 'WindowOverride' }),
);

/** A run as the window's runs list it: the contract's occurrence, with the active holds that stop it (GET /v1/occurrences lists it so too). */
export const ListedOccurrenceSchema = OccurrenceSchema.safeExtend({
  heldBy: z.array(EntityIdSchema).meta({ description: 'the active holds that stop this run' }),
  letThroughBy: z.array(EntityIdSchema).meta({ description: 'the active holds that would stop this run but let it through with an override (who and why: GET /v1/holds/{id}, its overrides)' }),
  startableFrom: InstantSchema.nullable().meta({
    description:
      'from when POST .../start takes this run by its time: its start less OCCURRENCE_EARLY_START_MINUTES (409 occurrence-not-due before), for a run scheduled or held (a held one also waits for its holds, or an override). Null for one no time bounds: waiting for a new slot (started when named), or never to start (in progress, completed, missed, cancelled)',
  }),
});

/** A page of a window's runs, in number order. */
export const OccurrencePageSchema = z
  .strictObject({
    windowId: EntityIdSchema,
    items: z.array(ListedOccurrenceSchema),
    nextCursor: z.string().nullable(),
    plannedThrough: InstantSchema.nullable().meta({
      description: "a recurring window's runs are stored through this instant (OCCURRENCE_HORIZON_DAYS ahead, or its first run's end when that is later); later ones its rule gives are added as the sweep's horizon reaches them. Null for a one-off window",
    }),
  })
  .meta({ id: 'OccurrencePage' });
export type OccurrencePage = z.output<typeof OccurrencePageSchema>;

/** The answers' schemas for a window's runs: a page of them, and one run as starting or completing it answers it (the contract's occurrence). */
export const OCCURRENCE_PAGE = zodAnswerSchema(OccurrencePageSchema);
export const OCCURRENCE_ANSWER = zodAnswerSchema(OccurrenceSchema);
