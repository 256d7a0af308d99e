import { MetricsRegistry, RepeatedFailure } from '@holdfast/observability';
import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { TrafficSamplesConsumer } from '../samples/traffic-samples.consumer';
import { DeclarationsService } from '../declarations/declarations.service';
import { SignalWatchService } from '../signals/signal-watch.service';
import { SurgesService } from '../surges/surges.service';

/**
 * The analyzer's periodic work, on ANALYZER_JOB_INTERVAL_MS: declarations start and end, lost
 * signals are found, the active-surge and consumer-lag gauges are refreshed. Every step reads the injected clock, so
 * a test calls `runOnce()` after moving it instead of waiting.
 */
@Injectable()
export class AnalyzerJobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AnalyzerJobsService.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  /** Passes begun or waiting their turn. */
  private passes = 0;
  private readonly activeSurges;
  private readonly consumerLag;
  // While PostgreSQL is away every job fails at every interval.
  private readonly failures = {
    declarations: new RepeatedFailure(),
    'signal loss': new RepeatedFailure(),
    'active surges gauge': new RepeatedFailure(),
    'consumer lag gauge': new RepeatedFailure(),
  };

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly declarations: DeclarationsService,
    private readonly signals: SignalWatchService,
    private readonly surges: SurgesService,
    private readonly samples: TrafficSamplesConsumer,
    metrics: MetricsRegistry,
  ) {
    this.activeSurges = metrics.gauge('holdfast_analyzer_active_surges', 'Active surges by region and source', ['region', 'source']);
    this.consumerLag = metrics.gauge('holdfast_analyzer_sample_lag_messages', 'Samples on traffic.samples.v1 not yet consumed, per partition', ['partition']);
  }

  onApplicationBootstrap(): void {
    // A tick that finds a pass under way begins none: a pass slower than the interval (Kafka away, the
    // lag gauge waiting out kafkajs's retries) would otherwise have one more queued at every tick, and
    // shutdown would wait for all of them.
    this.timer = setInterval(() => {
      if (this.passes === 0) void this.runOnce();
    }, this.config.settings.jobIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass of every job, after any under way; runs never overlap, and a failing job is logged without stopping the others. */
  runOnce(): Promise<void> {
    this.passes += 1;
    this.running = this.running.then(async () => {
      for (const [name, job] of [
        ['declarations', () => this.declarations.advanceDue()],
        ['signal loss', () => this.signals.check()],
        ['active surges gauge', () => this.refreshGauge()],
        ['consumer lag gauge', () => this.refreshLag()],
      ] as const) {
        const failures = this.failures[name];
        try {
          await job();
          failures.succeeded((fields, message) => this.logger.log(fields, message), {}, `${name} job works again`);
        } catch (error) {
          failures.log(this.logger, 'error', { err: error }, `${name} job failed; it runs again every interval`);
        }
      }
      this.passes -= 1;
    });
    return this.running;
  }

  private async refreshLag(): Promise<void> {
    for (const { partition, messages } of await this.samples.lag()) this.consumerLag.set({ partition: String(partition) }, messages);
  }

  private async refreshGauge(): Promise<void> {
    const counts = await this.surges.activeCounts();
    this.activeSurges.reset();
    for (const { region, source, count } of counts) this.activeSurges.set({ region, source }, count);
  }
}
