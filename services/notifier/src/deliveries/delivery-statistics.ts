import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Deliveries this process records between two ANALYZEs of the table. */
export const RECORDED_BEFORE_ANALYZE = 1_000;

/**
 * Keeps PostgreSQL's statistics of `delivery` in step with a burst of recordings. Between surges
 * next to nothing is pending, so the last ANALYZE says no delivery is open; a surge over thousands
 * of windows then records thousands within a minute, far fewer than the share of a table holding
 * weeks of history that makes autovacuum analyze it (10% by default). The worker's claim, planned
 * for one open delivery, then compared every open delivery with every other: with 10,439 pending
 * one claim ran for minutes (109 million rows compared) and the surge's webhooks went out a few a
 * minute. Analyzed every RECORDED_BEFORE_ANALYZE recordings, the claim probes each key's index.
 */
@Injectable()
export class DeliveryStatistics implements OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryStatistics.name);
  private recordedSince = 0;
  private analyzing?: Promise<void>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Counts deliveries just recorded; past the threshold, analyzes the table in the background, one ANALYZE at a time. */
  recorded(count: number): void {
    this.recordedSince += count;
    if (this.recordedSince < RECORDED_BEFORE_ANALYZE || this.analyzing) return;
    this.recordedSince = 0;
    this.analyzing = this.dataSource
      .query('ANALYZE delivery')
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.warn({ err: (error as Error).message }, 'could not analyze the delivery table; claims may be planned for fewer open deliveries than there are until autovacuum does'),
      )
      .finally(() => (this.analyzing = undefined));
  }

  /** Resolves once the ANALYZE in progress, if any, is done. */
  settled(): Promise<void> {
    return this.analyzing ?? Promise.resolve();
  }

  onApplicationShutdown(): Promise<void> {
    return this.settled();
  }
}
