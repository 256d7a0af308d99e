import { createEvent, HOURS_PER_WEEK, type HoldfastEvent } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { policyOf, type AnalyzerSettings, type RegionPolicy } from '../config/analyzer-settings';
import { isWarm, learnedMsOf, parseSeriesState, REFERENCE_SPACING_MS, samplesPerReference, SeasonalBaseline, type DetectionConfig, type SeriesState } from '../detection';
import type { PublishedBaseline } from '../samples/series-state.entity';
import { SeriesStateEntity } from '../samples/series-state.entity';
import { unpackSeriesState } from '../samples/stored-series-state';
import { SERVICE_NAME } from '../service-name';
import type { RegionBaselines } from './baseline-view.schema';

type WarmUp = RegionBaselines['metrics'][number]['warmUp'];
type Rearming = RegionBaselines['metrics'][number]['rearming'];

const HOUR_MS = 3_600_000;

/** How far a series still learning is, and what decides meanwhile; null once it is warm. A person asks this after a sample that surged nothing. */
function warmUpOf(learnedMs: number, policy: Pick<RegionPolicy, 'warmupSamples' | 'warmupCeiling'>, warm: boolean): WarmUp {
  if (warm) return null;
  return { learnedHours: Math.round((learnedMs / HOUR_MS) * 100) / 100, neededHours: (policy.warmupSamples * REFERENCE_SPACING_MS) / HOUR_MS, warmupCeiling: policy.warmupCeiling ?? null };
}

/** How long a series waits after a surge cleared before another may start; null when it does not. A person asks this after a sample that surged nothing. */
function rearmingOf(state: SeriesState, policy: Pick<RegionPolicy, 'rearmAfterSamples'>): Rearming {
  const samplesLeft = state.rearmSamples;
  if (samplesLeft <= 0) return null;
  const quietUntil = state.lastAtMs === null || state.cadenceMs === null ? null : new Date(state.lastAtMs + samplesLeft * state.cadenceMs).toISOString();
  return { samplesLeft, quietUntil, rearmAfterSamples: policy.rearmAfterSamples };
}

/** A series' learned hour-of-week profile with how many samples each hour rests on. */
export interface BaselineProfile {
  zone: string;
  values: (number | null)[];
  sampleCounts: number[];
  sampleCount: number;
}

/** At most one publication per series per hour of sample time: a profile learns hourly at the finest. */
const MIN_PUBLISH_INTERVAL_MS = 60 * 60 * 1000;

export function profileOf(state: SeriesState, config: DetectionConfig): BaselineProfile {
  const { values, zone } = new SeasonalBaseline(state.baseline, config.baseline, samplesPerReference(state.cadenceMs)).toHourOfWeekBaseline(state.region);
  return {
    zone,
    // The contract carries non-negative traffic; a level learned from non-negative samples only dips below 0 by rounding.
    values: values.map((value) => (value === null ? null : Math.max(0, value))),
    sampleCounts: state.baseline.hourOfWeek.map((bucket) => bucket.n),
    sampleCount: state.samplesSeen,
  };
}

/**
 * Whether a profile moved enough to tell the planner: an hour learned for the first time, or one
 * that moved by more than `ratio` of its old value (small values judged against the profile's mean,
 * so a near-zero night hour does not flap).
 */
export function changedMaterially(previous: PublishedBaseline | null, next: (number | null)[], ratio: number): boolean {
  if (!previous) return next.some((value) => value !== null);
  const known = next.filter((value): value is number => value !== null);
  const mean = known.reduce((sum, value) => sum + Math.abs(value), 0) / Math.max(1, known.length);
  return next.some((value, hour) => {
    const old = previous.values[hour];
    if (value === null) return false;
    if (old === null || old === undefined) return true;
    return Math.abs(value - old) > ratio * Math.max(Math.abs(old), 0.1 * mean);
  });
}

/**
 * The series' stored profile; for a state this build cannot read (another detector version wrote
 * it), the empty profile the series learns again from at its next sample, saying so, rather than
 * failing the whole region's answer.
 */
function storedProfile(row: SeriesStateEntity, config: DetectionConfig, zone: string, policy: RegionPolicy): BaselineProfile & { note?: string; warmUp: WarmUp; rearming: Rearming } {
  try {
    const state = parseSeriesState(unpackSeriesState({ state: row.state, buckets: row.baselineBuckets }));
    return { ...profileOf(state, config), warmUp: warmUpOf(learnedMsOf(state), policy, isWarm(state, policy.warmupSamples)), rearming: rearmingOf(state, policy) };
  } catch {
    return {
      warmUp: warmUpOf(0, policy, false),
      rearming: null,
      zone,
      values: Array.from({ length: HOURS_PER_WEEK }, () => null),
      sampleCounts: Array.from({ length: HOURS_PER_WEEK }, () => 0),
      sampleCount: 0,
      note: `The detector's stored state for ${row.metric} could not be read (another detector version wrote it): it learns again from its next sample.`,
    };
  }
}

/** Region baselines: what to publish on region.baselines.v1 when they change materially, and read back for the API. */
@Injectable()
export class BaselinesService {
  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly catalog: RegionCatalog,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * The series' profile as a region.baseline event when it changed materially, with what to
   * remember as published; null when there is nothing to publish. The caller writes the events of
   * a whole batch to the outbox in one call, in the transaction that advances the states.
   */
  changedBaseline(
    row: Pick<SeriesStateEntity, 'publishedBaseline' | 'baselinePublishedAt'>,
    state: SeriesState,
    detection: DetectionConfig,
    at: Date,
  ): { event: HoldfastEvent<'region.baseline'>; published: { publishedBaseline: PublishedBaseline; baselinePublishedAt: Date } } | null {
    if (row.baselinePublishedAt && at.getTime() - row.baselinePublishedAt.getTime() < MIN_PUBLISH_INTERVAL_MS) return null;
    const profile = profileOf(state, detection);
    if (!changedMaterially(row.publishedBaseline, profile.values, this.config.settings.baselineChangeRatio)) return null;
    const event = createEvent(
      'region.baseline',
      {
        region: state.region,
        metric: state.metric,
        zone: profile.zone,
        values: profile.values,
        sampleCount: profile.sampleCount,
        sampleCounts: profile.sampleCounts,
        updatedAt: at.toISOString(),
      },
      // On the service's clock, as its other events (createEvent's own would be the system's).
      { source: SERVICE_NAME, subject: `${state.region}/${state.metric}`, time: this.clock.now() },
    );
    return { event, published: { publishedBaseline: { values: profile.values }, baselinePublishedAt: at } };
  }

  /** Every metric learned for a region (or one), with its profile and signal, and the region's detection settings in force; no metric when none is learned. */
  async ofRegion(region: string, detection: DetectionConfig, metric?: string): Promise<RegionBaselines> {
    const code = this.catalog.get(region).code;
    const rows = await this.dataSource.getRepository(SeriesStateEntity).find({ where: { region: code, ...(metric ? { metric } : {}) }, order: { metric: 'ASC' } });
    const zone = this.catalog.zoneOf(code);
    const policy = policyOf(this.config.settings, code);
    return {
      region: code,
      zone,
      hoursPerWeek: HOURS_PER_WEEK,
      detection: policy,
      metrics: rows.map((row) => ({
        metric: row.metric,
        ...storedProfile(row, detection, zone, policy),
        lastSampleAt: row.lastSampleAt?.toISOString() ?? null,
        signalLostAt: row.signalLostAt?.toISOString() ?? null,
        publishedAt: row.baselinePublishedAt?.toISOString() ?? null,
      })),
    };
  }
}
