import { z } from 'zod';
import { InstantSchema, MetricNameSchema, ReasonSchema, RegionCodeSchema } from './common.schema';

/**
 * A region's metric went silent for longer than the region allows (its onSignalLoss is notify or
 * hold). News in itself: nobody is measuring that region any more. With `hold`, a surge standing
 * for the lost signal follows on region.surges.v1; with `notify`, this event is all there is.
 */
export const SignalLostSchema = z
  .strictObject({
    region: RegionCodeSchema,
    metric: MetricNameSchema,
    /** The time of the last sample before the silence. */
    lastSampleAt: InstantSchema,
    /** When the analyzer declared the signal lost. */
    lostAt: InstantSchema,
    silentSeconds: z.int().nonnegative(),
    /** What the region is configured to do about it: notify (this event only) or hold (a surge follows). */
    onSignalLoss: z.enum(['notify', 'hold']),
    reason: ReasonSchema,
  })
  .refine((signal) => Date.parse(signal.lostAt) >= Date.parse(signal.lastSampleAt), { error: 'must not be before lastSampleAt', path: ['lostAt'] });
export type SignalLost = z.infer<typeof SignalLostSchema>;
