import { HoldPlacedSchema, InstantSchema, SurgePolicySchema } from '@holdfast/contracts';
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

/**
 * The 403 `missing-scope` of a change that brings a window no hold stops (exempt, notify-only) under active holds it was
 * not under, made with a key without holds:override (assertMayMoveUnderHolds): the holds named as the 409 names them.
 */
export const MoveUnderHoldsProblemSchema = problemSchema(
  'MoveUnderHoldsProblem',
  {
    status: z.literal(403),
    code: z.literal('missing-scope'),
    requiredScope: z.literal('holds:override'),
    surgePolicy: SurgePolicySchema.exclude(['hold']).meta({ description: "the window's surge policy, a standing override given for the footprint and times it had" }),
    holds: z.array(NamedHoldSchema).meta({ description: 'the active holds the change would bring it under, which it was not under before' }),
  },
  'missing-scope: a problem document naming the holds a change would bring a window no hold stops under; nothing was changed',
);
