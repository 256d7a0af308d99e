import { z } from 'zod';
import { IanaZoneSchema, InstantSchema, MetricNameSchema, RegionCodeSchema, TrafficValueSchema } from './common.schema';

export const HOURS_PER_WEEK = 168;

/** Index into `values`: Monday 00:00-01:00 local time is 0, Sunday 23:00-24:00 is 167. */
export const hourOfWeek = (isoWeekday: number, localHour: number): number => (isoWeekday - 1) * 24 + localHour;

/** Learned expected traffic per local hour of week; the latest one per region/metric survives compaction. */
export const RegionBaselineSchema = z.strictObject({
  region: RegionCodeSchema,
  metric: MetricNameSchema,
  /** The zone whose local hours index `values`. */
  zone: IanaZoneSchema,
  /** null where no samples were seen for that hour yet. */
  values: z
    .array(TrafficValueSchema.nullable())
    .length(HOURS_PER_WEEK, { error: `must hold exactly ${HOURS_PER_WEEK} hours (index = (isoWeekday-1)*24 + localHour)` }),
  sampleCount: z.int().nonnegative(),
  /** Samples learned per local hour of week, same index as `values`; absent from older producers. */
  sampleCounts: z.array(z.int().nonnegative()).length(HOURS_PER_WEEK).optional(),
  updatedAt: InstantSchema,
});
export type RegionBaseline = z.infer<typeof RegionBaselineSchema>;
