import { prepared } from '@holdfast/database';
import { Clock, dependencyUnavailable, DomainError, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { createFreshSeries } from './stored-series-state';

interface Series {
  region: string;
  metric: string;
}

export const seriesKey = (region: string, metric: string): string => `${region}\u0000${metric}`;

/**
 * SERIES_MAX_PER_REGION as HTTP intake and the samples consumer both count it: of `candidates`, in
 * their order, those that would be a new series of a region already holding `cap`, given how many
 * series each region stores and which ones (by seriesKey). The earliest new series are kept, and
 * every later sample of a kept one with them.
 */
export function pastSeriesCap<K extends Series>(candidates: readonly K[], storedCount: ReadonlyMap<string, number>, isStored: (key: string) => boolean, cap: number): K[] {
  const count = new Map(storedCount);
  const admitted = new Set<string>();
  return candidates.filter(({ region, metric }) => {
    const key = seriesKey(region, metric);
    if (isStored(key) || admitted.has(key)) return false;
    const series = count.get(region) ?? 0;
    if (series >= cap) return true;
    admitted.add(key);
    count.set(region, series + 1);
    return false;
  });
}

/** Why a sample of a new metric is refused once its region has `cap` series: at HTTP intake and by the samples consumer alike. */
export const overSeriesCap = (region: string, metric: string, cap: number): string =>
  `metric ${metric} would be a new series of ${region}, which has SERIES_MAX_PER_REGION (${cap}) already: a metric name that carries an id or label values makes a series per sample; name the measurement, not the request`;

// Per region of the batch's unknown series: how many series it stores, and which of those series they are.
const STORED_COUNT_OF = prepared(`SELECT s.region, count(*)::integer AS series, array_remove(array_agg(b.metric), NULL) AS present
  FROM series_state s
  LEFT JOIN unnest($1::text[], $2::text[]) AS b(region, metric) ON b.region = s.region AND b.metric = s.metric
  WHERE s.region = ANY($1::text[])
  GROUP BY s.region`);

/**
 * Each region's count of its series and creation of new ones, at HTTP intake and in the samples
 * consumer, on every replica, one at a time; taken in one order, so two holders cannot deadlock.
 */
export const LOCK_SERIES_CAP_REGIONS = prepared(`SELECT pg_advisory_xact_lock(hashtext('impact_analyzer/series-cap'), region_key)
  FROM (SELECT DISTINCT hashtext(region) AS region_key FROM unnest($1::text[]) AS region ORDER BY region_key) AS regions`);

/**
 * How long HTTP intake waits for a region's series count while another holder has it: the samples
 * consumer holds it for a whole batch with new series of the region (right after a restart, every
 * series is new to it, and a backlog's batches are full). A full batch of 5,000 samples takes tens of
 * milliseconds at bench:ingest's rate (docs/performance.md), so 2 s rides out an ordinary one and
 * ends only a stall; with SAMPLE_PUBLISH_TIMEOUT_MS (5 s) after it, the caller hears an answer within
 * about 7 s, before the 10 s timeout HTTP clients commonly keep.
 */
export const SERIES_CAP_LOCK_WAIT_MS = 2_000;

// Set first in the reservation's transaction: each lock wait in it (a region's count, a row another transaction is inserting) gives up then.
const BOUND_LOCK_WAIT = prepared(`SELECT set_config('lock_timeout', '${SERIES_CAP_LOCK_WAIT_MS}ms', true)`);

/** PostgreSQL's lock_not_available: a wait past lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * SERIES_MAX_PER_REGION at HTTP intake, counted as the samples consumer counts it: the region's
 * stored series, then the batch's new metrics in the order they come (the earliest new ones kept).
 * The new series it admits are stored (reserved) before the intake answers, so the consumer finds
 * them and never dead-letters a sample the answer called accepted, and the next request, on any
 * replica, counts them (rows rather than a count kept in memory: the consumer and every replica
 * read them, as they read any series). A reservation whose samples never arrive (Kafka away: the
 * 503 asks for the batch again) keeps its series' slot, a row never sampled, which the signal
 * watch leaves alone.
 */
@Injectable()
export class SeriesCapService {
  // Series found stored: rows are deleted only by a retirement (SeriesService, which forgets them here), so a batch of only these needs no query. Bounded by regions times the cap.
  private readonly stored = new Set<string>();
  // Retirements so far: series found stored while one went on are not remembered, as the retired one may be among them.
  private retirements = 0;

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** A retired series is no longer stored: a sample of it is a new series again. */
  forget(region: string, metric: string): void {
    this.stored.delete(seriesKey(region, metric));
    this.retirements++;
  }

  /**
   * Each sample whose metric would be a new series of a region already at the cap, with the reason;
   * the new series of the others are reserved, so every sample not refused here is one the consumer takes.
   */
  async admit<S extends Series>(samples: readonly S[]): Promise<Map<S, string>> {
    const unknown = new Map<string, Series>();
    for (const { region, metric } of samples) {
      const key = seriesKey(region, metric);
      if (!this.stored.has(key)) unknown.set(key, { region, metric });
    }
    const refused = new Map<S, string>();
    if (unknown.size === 0) return refused;
    const wanted = [...unknown.values()];
    const retirements = this.retirements;
    const cap = this.config.settings.seriesMaxPerRegion;
    const found = await this.dataSource.transaction(async (transaction) => {
      // Sent together: the count runs once the locks are held, so it sees every reservation committed before.
      const [, , rows] = (await Promise.all([
        transaction.query(BOUND_LOCK_WAIT),
        transaction.query(LOCK_SERIES_CAP_REGIONS, [wanted.map((series) => series.region)]),
        transaction.query(STORED_COUNT_OF, [wanted.map((series) => series.region), wanted.map((series) => series.metric)]),
      ])) as [unknown, unknown, { region: string; series: number; present: string[] }[]];
      const count = new Map<string, number>();
      const present = new Set<string>();
      for (const row of rows) {
        count.set(row.region, row.series);
        for (const metric of row.present) present.add(seriesKey(row.region, metric));
      }
      // A new series is refused with all its samples or kept with all of them.
      const overCap = new Set<string>();
      for (const sample of pastSeriesCap(samples, count, (key) => this.stored.has(key) || present.has(key), cap)) {
        refused.set(sample, overSeriesCap(sample.region, sample.metric, cap));
        overCap.add(seriesKey(sample.region, sample.metric));
      }
      const reserved = [...unknown].filter(([key]) => !present.has(key) && !overCap.has(key));
      if (reserved.length > 0) await createFreshSeries(transaction, reserved.map(([, series]) => series), this.clock.now());
      return [...present, ...reserved.map(([key]) => key)];
    }).catch((error: unknown) => {
      throw isLockTimeout(error) ? seriesCountHeld() : error;
    });
    if (this.retirements === retirements) for (const key of found) this.stored.add(key);
    return refused;
  }
}

const isLockTimeout = (error: unknown): boolean =>
  [error, (error as { driverError?: unknown })?.driverError].some((candidate) => (candidate as { code?: unknown } | undefined)?.code === LOCK_NOT_AVAILABLE);

/** The intake's 503, as for Kafka away, saying what happened: the reservation rolled back, and nothing was published. */
function seriesCountHeld(): DomainError {
  return dependencyUnavailable(
    'PostgreSQL',
    `The batch has series not stored yet, and the series count of their regions (SERIES_MAX_PER_REGION) stayed held for more than ${SERIES_CAP_LOCK_WAIT_MS / 1000} s by the samples consumer, which holds it while it stores new series of those regions (after a restart, with a large backlog, for a while), or by another request. None of this batch was published or stored: send it again as it is in a few seconds.`,
  );
}
