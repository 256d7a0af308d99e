import { Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, DomainError } from '@holdfast/service-kit';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SampleAssessmentService, signalLossCorrelation, signalLossOrigin } from '../samples/sample-assessment.service';
import { SeriesCapService } from '../samples/series-cap.service';
import { SurgesService } from '../surges/surges.service';

export interface RetiredSeries {
  region: string;
  metric: string;
  lastSampleAt: Date | null;
  signalLostAt: Date | null;
  retiredAt: Date;
  /** The detector's surges of the series that were active, now cleared. */
  clearedSurges: string[];
}

// The consumer and the signal watch lock a series before its region's surges; so does a retirement.
const LOCK_ONE_SERIES = `SELECT region, metric, last_sample_at, signal_lost_at FROM series_state WHERE region = $1 AND metric = $2 FOR UPDATE`;

/**
 * A series (region, metric) an operator says is gone for good: a metric renamed or dropped. Its
 * signal is lost, and with onSignalLoss: hold its region held, until a sample comes that never
 * will; nothing else but this ends it.
 */
@Injectable()
export class SeriesService {
  private readonly logger = new Logger(SeriesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: RegionCatalog,
    private readonly surges: SurgesService,
    private readonly assessment: SampleAssessmentService,
    private readonly seriesCap: SeriesCapService,
    private readonly messaging: MessagingRuntime,
    private readonly clock: Clock,
  ) {}

  /**
   * Forgets the series' state and clears the detector's surges of it (a lost signal's hold, an
   * episode, a warm-up ceiling's) with the reason, in one transaction, which also writes the
   * tombstone of its baseline on region.baselines.v1 (key region/metric, no value): the planner
   * drops its copy, and compaction forgets the baseline, so no reader of the topic from its start
   * finds it again. A sample of it arriving later starts it afresh, learning again, and its baseline
   * is published anew once warm; the signal gauges drop it at the next job run.
   */
  async retire(region: string, metric: string, reason: string, actor: string): Promise<RetiredSeries> {
    const { code } = this.catalog.get(region);
    const retired = await this.dataSource.transaction(async (transaction) => {
      const [row] = (await transaction.query(LOCK_ONE_SERIES, [code, metric])) as { last_sample_at: Date | null; signal_lost_at: Date | null }[];
      if (!row) throw new DomainError('series-not-found', 404, `${code} has no series ${metric}: GET /v1/regions/${code}/baseline lists its metrics.`);
      const now = this.clock.now();
      const active = await this.surges.activeIn(transaction, [code], 'detector');
      const cleared = active.ofSeries(code, metric);
      for (const surge of cleared) {
        const trace = surge.origin === signalLossOrigin(metric) ? { correlationId: signalLossCorrelation(code, metric) } : undefined;
        await this.surges.clear(transaction, surge, now, `The ${metric} series of ${code} was retired by ${actor}: ${reason}`, trace);
      }
      await transaction.query('DELETE FROM series_state WHERE region = $1 AND metric = $2', [code, metric]);
      // Whether or not a baseline was published since the series last started: one of an earlier life may be on the topic.
      await this.messaging.outbox.addTombstone(transaction, Topics.regionBaselines, `${code}/${metric}`);
      return { region: code, metric, lastSampleAt: row.last_sample_at, signalLostAt: row.signal_lost_at, retiredAt: now, clearedSurges: cleared.map((surge) => surge.id) };
    });
    // This process's record that the row exists: a sample of it coming back is then a new series again, counted against the cap.
    this.assessment.forget(code, metric);
    this.seriesCap.forget(code, metric);
    this.logger.warn({ region: code, metric, actor, reason, clearedSurges: retired.clearedSurges }, `series ${metric} of ${code} retired by ${actor}: ${reason}`);
    return retired;
  }
}
