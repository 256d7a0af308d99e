import { z } from 'zod';
import { InstantSchema, MetricNameSchema, RegionCodeSchema, SampleValueSchema } from './common.schema';

/** One measurement of traffic in one region, as a pipeline or the HTTP intake reports it. */
export const TrafficSampleSchema = z.strictObject({
  region: RegionCodeSchema,
  metric: MetricNameSchema,
  at: InstantSchema,
  value: SampleValueSchema,
  /** The pipeline that measured it ('prometheus', 'cdn-logs'). */
  source: z.string().min(1, { error: 'must name the pipeline' }).max(100),
});
export type TrafficSample = z.infer<typeof TrafficSampleSchema>;
