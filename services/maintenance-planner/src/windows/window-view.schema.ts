import { EntityIdSchema, OccurrenceSchema, windowSnapshotShape } from '@holdfast/contracts';
import { zodAnswerSchema, zodPageSchema } from '@holdfast/service-kit';
import { z } from 'zod';

/** A window as the list answers it: the fields of its snapshot in libs/contracts (what window.* events carry), and its id. */
const ListedWindowSchema = z.object({ ...windowSnapshotShape, id: EntityIdSchema.meta({ description: 'the same as windowId' }) });

/** A window as GET, and every change, answer it: as listed, with the run due now or next. */
const WindowSchema = ListedWindowSchema.extend({
  nextOccurrence: OccurrenceSchema.nullable().meta({ description: 'the first run scheduled, in progress or waiting for a new slot; null when none is left' }),
});

/** The answers' schemas for the OpenAPI document, from the contract's window schema (one definition). */
export const WINDOW_ANSWER = zodAnswerSchema(WindowSchema);
export const WINDOW_PAGE = zodPageSchema(ListedWindowSchema);
export const OVERRIDE_ANSWER = zodAnswerSchema(
  z.object({
    windowId: EntityIdSchema,
    overridden: z.array(EntityIdSchema).meta({ description: 'the holds it was let through' }),
    window: WindowSchema,
  }),
);
