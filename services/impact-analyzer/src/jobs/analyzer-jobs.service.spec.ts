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

  const kafkaAway = () => new Error('Connection error: connect ECONNREFUSED');

  /** Jobs every `intervalMs` whose lag gauge asks `lag` (Kafka away: kafkajs retries 12-50 s), counting the passes begun. */
  const jobs = (intervalMs: number, lag: () => Promise<never>) => {
    let passes = 0;
    const declarations = { advanceDue: async () => void (passes += 1) };
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
    // Each pass waits on the lag gauge until the spec lets Kafka's refusal through: no clock but the interval's, which is faked.
    const waiting: (() => void)[] = [];
    const refuse = () => waiting.splice(0).forEach((fail) => fail());
    vi.useFakeTimers();
    try {
      const { service, passes } = jobs(100, () => new Promise<never>((_, reject) => waiting.push(() => reject(kafkaAway()))));
      service.onApplicationBootstrap();
      // The first pass begins at the first tick and ends; the second begins at the next and stays under way over eight more ticks.
      await vi.advanceTimersByTimeAsync(100);
      refuse();
      await vi.advanceTimersByTimeAsync(950);
      expect(passes()).toBe(2);
      let shutDown = false;
      const shutdown = service.onApplicationShutdown().then(() => (shutDown = true));
      // Queued, the eight ticks that came while a pass ran would each run a pass before shutdown ended.
      refuse();
      await vi.advanceTimersByTimeAsync(0);
      expect(shutDown).toBe(true);
      await shutdown;
      expect(passes()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('still runs a pass asked for while one runs, after it, as a spec moving the clock expects', async () => {
    for (const level of ['error', 'debug'] as const) vi.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
    const { service, passes } = jobs(600_000, () => Promise.reject(kafkaAway()));
    // Both asked for at once: the second while the first is still under way (its steps await).
    await Promise.all([service.runOnce(), service.runOnce()]);
    expect(passes()).toBe(2);
  });
});
