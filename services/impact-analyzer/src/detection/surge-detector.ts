import type { HourOfWeekBaseline } from '@holdfast/time';
import { DEFAULT_DETECTION_CONFIG, samplesPerReference, type DetectionConfig } from './detection-config';
import { SeasonalBaseline, regionZone } from './seasonal-baseline';
import { SERIES_STATE_VERSION, advanceSeries, copySeriesState, initialSeriesState, parseSeriesState, type SeriesState } from './series-step';
import type { SurgeDecision, SurgeDirection, SurgeSeverity, TrafficSample } from './surge-decision';

/** Gives the IANA zone a region's hour of week is counted in; undefined (or an unknown name) is a TimeError. */
export type RegionZoneLookup = (region: string) => string | undefined;

export interface SurgeDetectorOptions {
  config?: DetectionConfig;
  zoneOf: RegionZoneLookup;
}

export interface SurgeDetectorSnapshot {
  version: typeof SERIES_STATE_VERSION;
  series: SeriesState[];
}

const seriesKey = (region: string, metric: string): string => `${region}\u0000${metric}`;

/**
 * The streaming detector for many series at once: one SeriesState per region and metric, each
 * stepped exactly as stepSeries() would (it is the same step, on state this object owns).
 */
export class SurgeDetector {
  private readonly config: DetectionConfig;
  private readonly zoneOf: RegionZoneLookup;
  private readonly series = new Map<string, SeriesState>();

  constructor(options: SurgeDetectorOptions) {
    this.config = options.config ?? DEFAULT_DETECTION_CONFIG;
    this.zoneOf = options.zoneOf;
  }

  /** The decisions this sample produced (none or one); throws a TimeError if the region has no known zone. */
  observe(sample: TrafficSample): SurgeDecision[] {
    if (!sample.region || !sample.metric) return [];
    const zone = regionZone(this.zoneOf(sample.region), sample.region);
    const key = seriesKey(sample.region, sample.metric);
    let state = this.series.get(key);
    if (!state) {
      state = initialSeriesState(sample.region, sample.metric);
      this.series.set(key, state);
    }
    const decision = advanceSeries(state, sample, this.config, zone);
    return decision ? [decision] : [];
  }

  /** The learned profile in the shared contract, or null for a series never seen. */
  baselineOf(region: string, metric: string): HourOfWeekBaseline | null {
    const state = this.series.get(seriesKey(region, metric));
    return state ? new SeasonalBaseline(state.baseline, this.config.baseline, samplesPerReference(state.cadenceMs)).toHourOfWeekBaseline(region) : null;
  }

  activeSurges(): { region: string; metric: string; surgeId: string; direction: SurgeDirection; severity: SurgeSeverity }[] {
    return [...this.series.values()]
      .filter((s) => s.active !== null)
      .map((s) => ({ region: s.region, metric: s.metric, surgeId: s.active!.surgeId, direction: s.active!.direction, severity: s.active!.severity }));
  }

  snapshot(): SurgeDetectorSnapshot {
    return { version: SERIES_STATE_VERSION, series: [...this.series.values()].map(copySeriesState) };
  }

  /** Refuses snapshots of an older detector version with an error saying so. */
  static restore(snapshot: SurgeDetectorSnapshot, options: SurgeDetectorOptions): SurgeDetector {
    if (snapshot?.version !== SERIES_STATE_VERSION) {
      throw new Error(
        `Unsupported surge detector snapshot version ${String(snapshot?.version)} (expected ${SERIES_STATE_VERSION}): the detector's state changed; start from an empty detector`,
      );
    }
    const detector = new SurgeDetector(options);
    for (const saved of snapshot.series) {
      const state = parseSeriesState(saved);
      detector.series.set(seriesKey(state.region, state.metric), state);
    }
    return detector;
  }
}
