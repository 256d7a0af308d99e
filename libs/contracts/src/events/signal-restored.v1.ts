import { z } from 'zod';
import { InstantSchema, MetricNameSchema, ReasonSchema, RegionCodeSchema } from './common.schema';

/** Samples of a metric declared lost (signal.lost) arrive again; a surge held for the loss clears on region.surges.v1. */
export const SignalRestoredSchema = z.strictObject({
  region: RegionCodeSchema,
  metric: MetricNameSchema,
  /** When the signal was declared lost (signal.lost's lostAt). */
  lostAt: InstantSchema,
  /** The time of the first new sample, but no later than the analyzer's clock (a sample may be stamped ahead); it may precede lostAt when that sample was late. */
  restoredAt: InstantSchema,
  reason: ReasonSchema,
});
export type SignalRestored = z.infer<typeof SignalRestoredSchema>;
