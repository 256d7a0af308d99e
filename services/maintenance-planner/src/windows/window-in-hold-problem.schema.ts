import { HoldPlacedSchema, InstantSchema } from '@holdfast/contracts';
import { problemSchema } from '@holdfast/service-kit';
import { z } from 'zod';

const placed = HoldPlacedSchema.shape;

/** A hold as planning's refusal names it (NamedHold): until when it holds runs as of now. */
const NamedHoldSchema = z
  .strictObject({
    id: placed.holdId,
    regions: placed.regions,
    reason: placed.reason,
    from: InstantSchema,
    until: InstantSchema.nullable().meta({
      description: "until when it holds runs, as of now (a declaration's hold: its until and the cool-down after it; a cleared surge's: its due release); null: no end known yet",
    }),
  })
  .meta({ id: 'NamedHold' });

/** The 409 `window-in-hold` of planning or moving a window into active holds without an override. */
export const WindowInHoldProblemSchema = problemSchema(
  'WindowInHoldProblem',
  {
    status: z.literal(409),
    code: z.literal('window-in-hold'),
    holds: z.array(NamedHoldSchema).meta({ description: 'every active hold a run of the window would fall into' }),
  },
  'window-in-hold: a problem document naming the holds the window falls into; send override: {reason} to plan it through them',
);
