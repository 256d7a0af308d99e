import { deleteInBatches, PruneSchedule } from '@holdfast/database';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NotifierSettings } from '../config/notifier-settings';

/** Deliveries deleted per statement; each takes its attempts with it (ON DELETE CASCADE), so fewer than the ledger's 5,000 rows. */
const PRUNE_BATCH = 1_000;
const PRUNE_INTERVAL_MS = 10 * 60_000;

// finished_at is set exactly while a delivery is delivered, dead or cancelled (a check holds every statement to it), so
// nothing pending or sending is ever taken. The outer condition is checked again on a row a replay changed meanwhile.
const PRUNE = `DELETE FROM delivery WHERE id IN (SELECT id FROM delivery WHERE finished_at < $1 LIMIT $2)
  AND finished_at < $1 AND status IN ('delivered', 'dead', 'cancelled')`;

/**
 * Keeps finished deliveries (delivered, dead, cancelled) and their attempts for
 * NOTIFIER_DELIVERY_RETENTION_DAYS after they finished, as history and for a replay; then they go,
 * a batch at a time every 10 minutes, as hold releases do. Every replica may run one: the deletes
 * are idempotent. A hold's release is kept while a placement delivery of it is (HoldReleases), so
 * pruning the placement lets its release go at the next round once its own retention has passed.
 */
@Injectable()
export class DeliveryPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryPruner.name);
  private readonly schedule = new PruneSchedule((signal) => this.prune(signal), {
    intervalMs: PRUNE_INTERVAL_MS,
    failed: (error) => this.logger.warn({ err: (error as Error).message }, 'could not prune finished deliveries; trying again at the next round'),
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<NotifierSettings>,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  /** Deletes the deliveries finished longer ago than the retention, a batch at a time; resolves with how many. */
  async prune(signal?: AbortSignal): Promise<number> {
    return deleteInBatches(this.dataSource, PRUNE, [new Date(this.clock.nowMs() - this.config.settings.deliveryRetentionMs)], { batchSize: PRUNE_BATCH, signal });
  }
}
