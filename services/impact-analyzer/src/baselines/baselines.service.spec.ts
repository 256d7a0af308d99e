import { RegionCatalog } from '@holdfast/regions';
import type { ServiceConfig } from '@holdfast/service-kit';
import { ManualClock } from '@holdfast/testing';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { analyzerService } from '../app.module';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { DEFAULT_DETECTION_CONFIG, initialSeriesState, stepSeriesRun } from '../detection';
import { BaselinesService } from './baselines.service';

describe('a region.baseline event', () => {
  it("is stamped on the injected clock, as the analyzer's other events are, its profile's updatedAt staying the last sample's time", () => {
    const clock = new ManualClock('2026-06-20T09:30:00Z');
    const config = analyzerService.configFromEnvironment({}) as ServiceConfig<AnalyzerSettings>;
    const baselines = new BaselinesService(config, new RegionCatalog(), {} as DataSource, clock);
    const samples = Array.from({ length: 300 }, (_, i) => ({ region: 'IR', metric: 'requests', at: new Date(Date.UTC(2026, 5, 1) + i * 300_000).toISOString(), value: 1_000, source: 'spec' }));
    const { state } = stepSeriesRun(initialSeriesState('IR', 'requests'), samples, { config: DEFAULT_DETECTION_CONFIG, zone: 'Asia/Tehran' });
    const lastSampleAt = new Date(state.lastAtMs!);

    const changed = baselines.changedBaseline({ publishedBaseline: null, baselinePublishedAt: null }, state, DEFAULT_DETECTION_CONFIG, lastSampleAt);

    expect(changed?.event.time).toBe('2026-06-20T09:30:00.000Z');
    expect(changed?.event.data.updatedAt).toBe(lastSampleAt.toISOString());
  });
});
