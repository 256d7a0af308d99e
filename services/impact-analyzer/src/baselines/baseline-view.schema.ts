import { HOURS_PER_WEEK, IanaZoneSchema, InstantSchema, MetricNameSchema, RegionCodeSchema, TrafficValueSchema } from '@holdfast/contracts';
import { z } from 'zod';
import { RegionPolicySchema } from '../config/analyzer-settings';

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

/** The region's detection settings in force, each named and bounded as ANALYZER_DETECTION takes it, so an answer reads as the setting to change. */
const DetectionInForceSchema = z
  .strictObject({
    sensitivity: RegionPolicySchema.shape.sensitivity.meta({ description: 'above 1 a surge starts on smaller deviations (the start thresholds are divided by it), below 1 on larger ones' }),
    coolDownSamples: RegionPolicySchema.shape.coolDownSamples.meta({ description: 'consecutive calm samples before a surge clears, at five-minute spacing' }),
    rearmAfterSamples: RegionPolicySchema.shape.rearmAfterSamples.meta({ description: 'samples after a detector surge clears during which no new one starts, at five-minute spacing' }),
    directions: RegionPolicySchema.shape.directions.meta({ description: 'the directions reported, up (a rise) and down (a collapse): the list replaces the default ["up"], so ["down"] reports collapses only' }),
    minimumVolume: RegionPolicySchema.shape.minimumVolume.meta({ description: 'a surge starts only where the observed value or the usual level is at least this' }),
    warmupSamples: RegionPolicySchema.shape.warmupSamples.meta({ description: 'samples a new series learns from before the seasonal detector decides, at five-minute spacing' }),
    warmupCeiling: RegionPolicySchema.shape.warmupCeiling.meta({ description: 'while a series warms up, a sample at or above it surges; null: nothing is decided until it is warm' }),
    onSignalLoss: RegionPolicySchema.shape.onSignalLoss.meta({ description: 'what a lost signal does: ignore, notify (signal.lost) or hold (that too, and a surge: failing closed)' }),
    signalLossAfterSeconds: RegionPolicySchema.shape.signalLossAfterSeconds.meta({ description: 'silence longer than this is a lost signal' }),
  })
  .meta({ description: "the region's detection settings in force: its own in ANALYZER_DETECTION regions over the defaults, over the built-in ones (README.md, Configuration)" });

/** A region's baselines: every metric learned for it (or the one asked for), by metric name. */
export const RegionBaselinesSchema = z
  .strictObject({
    region: RegionCodeSchema,
    zone: IanaZoneSchema.meta({ description: "the region's zone" }),
    hoursPerWeek: z.literal(HOURS_PER_WEEK),
    detection: DetectionInForceSchema,
    metrics: z.array(MetricBaselineSchema),
  })
  .meta({ id: 'RegionBaselines' });
export type RegionBaselines = z.output<typeof RegionBaselinesSchema>;
