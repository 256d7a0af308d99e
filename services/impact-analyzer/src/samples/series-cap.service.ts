import { prepared } from '@holdfast/database';
import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AnalyzerSettings } from '../config/analyzer-settings';

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
 * SERIES_MAX_PER_REGION at HTTP intake, counted as the samples consumer counts it: the region's
 * stored series, then the batch's new metrics in the order they come (the earliest new ones kept).
 * Series accepted by an earlier request and not yet stored are not counted, so the consumer's own
 * check may still refuse a few.
 */
@Injectable()
export class SeriesCapService {
  // Series found stored: rows are deleted only by a retirement (SeriesService, which forgets them here), so a batch of only these needs no query. Bounded by regions times the cap.
  private readonly stored = new Set<string>();

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** A retired series is no longer stored: a sample of it is a new series again. */
  forget(region: string, metric: string): void {
    this.stored.delete(seriesKey(region, metric));
  }

  /** Each sample whose metric would be a new series of a region already at the cap, with the reason. */
  async refusals<S extends Series>(samples: readonly S[]): Promise<Map<S, string>> {
    const unknown = new Map<string, Series>();
    for (const { region, metric } of samples) {
      const key = seriesKey(region, metric);
      if (!this.stored.has(key)) unknown.set(key, { region, metric });
    }
    const refused = new Map<S, string>();
    if (unknown.size === 0) return refused;
    const wanted = [...unknown.values()];
    const rows: { region: string; series: number; present: string[] }[] = await this.dataSource.query(STORED_COUNT_OF, [
      wanted.map((series) => series.region),
      wanted.map((series) => series.metric),
    ]);
    const count = new Map<string, number>();
    for (const { region, series, present } of rows) {
      count.set(region, series);
      for (const metric of present) this.stored.add(seriesKey(region, metric));
    }
    const cap = this.config.settings.seriesMaxPerRegion;
    for (const sample of pastSeriesCap(samples, count, (key) => this.stored.has(key), cap)) refused.set(sample, overSeriesCap(sample.region, sample.metric, cap));
    return refused;
  }
}
