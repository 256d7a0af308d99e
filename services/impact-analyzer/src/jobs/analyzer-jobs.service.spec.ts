import { MetricsRegistry } from '@holdfast/observability';
import type { ServiceConfig } from '@holdfast/service-kit';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import type { DeclarationsService } from '../declarations/declarations.service';
import type { TrafficSamplesConsumer } from '../samples/traffic-samples.consumer';
import type { SignalWatchService } from '../signals/signal-watch.service';
import type { SurgesService } from '../surges/surges.service';
import { AnalyzerJobsService } from './analyzer-jobs.service';

describe('AnalyzerJobsService', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Jobs every `intervalMs` whose lag gauge takes `lagMs` to fail (Kafka away: kafkajs retries 12-50 s), counting the passes begun. */
  const jobs = (intervalMs: number, lagMs: number) => {
    let passes = 0;
    const declarations = { advanceDue: async () => void (passes += 1) };
    const lag = () => new Promise((_, reject) => setTimeout(() => reject(new Error('Connection error: connect ECONNREFUSED')), lagMs));
    const service = new AnalyzerJobsService(
      { settings: { jobIntervalMs: intervalMs } } as ServiceConfig<AnalyzerSettings>,
      declarations as unknown as DeclarationsService,
      { check: async () => [] } as unknown as SignalWatchService,
      { activeCounts: async () => [] } as unknown as SurgesService,
      { lag } as unknown as TrafficSamplesConsumer,
      new MetricsRegistry('impact-analyzer', false),
    );
    return { service, passes: () => passes };
  };

  it('begins no pass while one runs, so passes slower than the interval do not pile up, and shutdown waits only for the one under way', async () => {
    for (const level of ['error', 'debug'] as const) vi.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    vi.useFakeTimers();
    try {
      const { service, passes } = jobs(100, 400);
      service.onApplicationBootstrap();
      // Ten and a half intervals: passes begin at 100 and 500 or 600 ms, each taking 400 ms; the ticks in between find one under way.
      await vi.advanceTimersByTimeAsync(1_050);
      expect(passes()).toBe(2);
      let shutDown = false;
      const shutdown = service.onApplicationShutdown().then(() => (shutDown = true));
      // Queued, the eight ticks that came while a pass ran would each run a pass (3.2 s more) before shutdown ended.
      await vi.advanceTimersByTimeAsync(400);
      expect(shutDown).toBe(true);
      await shutdown;
      expect(passes()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('still runs a pass asked for while one runs, after it, as a spec moving the clock expects', async () => {
    for (const level of ['error', 'debug'] as const) vi.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    const { service, passes } = jobs(600_000, 50);
    await Promise.all([service.runOnce(), service.runOnce()]);
    expect(passes()).toBe(2);
  });
});
