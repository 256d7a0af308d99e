import { HOURS_PER_WEEK, IanaZoneSchema, InstantSchema, MetricNameSchema, RegionCodeSchema, TrafficValueSchema } from '@holdfast/contracts';
import { z } from 'zod';

/** One value a local hour of the week, Monday 00:00 first, as region.baselines.v1 carries them. */
const hourly = <T extends z.ZodType>(hour: T, description: string) =>
  z.array(hour).length(HOURS_PER_WEEK).meta({ description: `${description}, one a local hour of the week: index = (isoWeekday-1)*24 + local hour` });

/** One metric's learned profile as GET /v1/regions/{region}/baseline shows it: the profile, and the state of its signal. */
const MetricBaselineSchema = z.strictObject({
  metric: MetricNameSchema,
  zone: IanaZoneSchema.meta({ description: 'the zone whose local hours index values and sampleCounts' }),
  values: hourly(TrafficValueSchema.nullable(), 'the expected traffic (for an hour with no samples of its own yet, the level learned at that hour on the other days; null when neither is learned)'),
  sampleCounts: hourly(z.int().nonnegative(), "the samples of each hour (0 where its value is that hour's on the other days)"),
  sampleCount: z.int().nonnegative().meta({ description: 'every sample the series learned from' }),
  note: z.string().optional().meta({ description: "only for a stored state this build cannot read: the profile is empty, and learned again from the series' next sample" }),
  lastSampleAt: InstantSchema.nullable(),
  signalLostAt: InstantSchema.nullable().meta({ description: 'when its signal was declared lost; null while samples arrive' }),
  publishedAt: InstantSchema.nullable().meta({ description: 'when the profile was last published on region.baselines.v1; null if never' }),
  warmUp: z
    .strictObject({
      learnedHours: z.number().nonnegative().meta({ description: "the samples' time learned so far" }),
      neededHours: z.number().positive().meta({ description: 'what the series learns before it decides on its baseline (warmupSamples at 5 minutes)' }),
      warmupCeiling: TrafficValueSchema.nullable().meta({ description: 'meanwhile a sample at or above it surges; null: none, so nothing is decided until it is warm' }),
    })
    .nullable()
    .meta({ description: 'null once the series decides on its baseline; while it still learns, how far it is and what decides meanwhile' }),
  rearming: z
    .strictObject({
      samplesLeft: z.int().positive().meta({ description: "the series' samples still to come before a new surge may start" }),
      quietUntil: InstantSchema.nullable().meta({ description: "about when the last of them comes, at the series' spacing; null while its spacing is not known" }),
      rearmAfterSamples: z.int().nonnegative().meta({ description: "the region's rearmAfterSamples (ANALYZER_DETECTION): how many it waits after each surge clears, at five-minute spacing" }),
    })
    .nullable()
    .meta({ description: "null while a surge may start (or one is under way); after one of the series' surges cleared, how long it waits before another may start, so the tail of the one just cleared does not start a second" }),
});

/** A region's baselines: every metric learned for it (or the one asked for), by metric name. */
export const RegionBaselinesSchema = z
  .strictObject({
    region: RegionCodeSchema,
    zone: IanaZoneSchema.meta({ description: "the region's zone" }),
    hoursPerWeek: z.literal(HOURS_PER_WEEK),
    metrics: z.array(MetricBaselineSchema),
  })
  .meta({ id: 'RegionBaselines' });
export type RegionBaselines = z.output<typeof RegionBaselinesSchema>;
