import { HoldPlacedSchema, InstantSchema } from '@holdfast/contracts';
import { problemSchema } from '@holdfast/service-kit';
import { z } from 'zod';
import type { GateHold } from './hold-set';

const placed = HoldPlacedSchema.shape;

/** A hold as a 423 lists it (GateHold); `satisfies` keeps the two in step. */
const GateHoldSchema = z
  .strictObject({
    id: placed.holdId,
    regions: placed.regions,
    reason: placed.reason,
    source: placed.source,
    from: InstantSchema,
    until: InstantSchema.nullable().meta({
      description: "null: no end known yet; a declaration's hold: the end it holds to, its declared until and the cool-down after it (or its due release)",
    }),
    releaseDueAt: InstantSchema.optional().meta({ description: "only a cleared surge's hold: when it is released, its cool-down passed; it holds until then, whatever until says" }),
  })
  .meta({ id: 'GateHold' }) satisfies z.ZodType<GateHold>;

/** The 423 `held` of the gate and of a run's start: the holds that hold it, soonest to end first. */
export const HeldProblemSchema = problemSchema(
  'HeldProblem',
  {
    status: z.literal(423),
    code: z.literal('held'),
    holds: z.array(GateHoldSchema).meta({ description: 'the first holds (at most 10), soonest to end first' }),
    holdCount: z.int().min(1).meta({ description: 'every hold that holds it, listed or not' }),
    retryAfterSeconds: z.int().min(0).meta({ description: 'as the Retry-After header: seconds from now to the latest release due or end' }),
    at: InstantSchema.meta({ description: 'the instant judged: the gate\'s at, or now' }),
  },
  'held: a problem document naming the holds that hold the window, run or regions asked about',
);
