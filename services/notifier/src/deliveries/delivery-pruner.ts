import { deleteInBatches, PruneSchedule } from '@holdfast/database';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NotifierSettings } from '../config/notifier-settings';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';

/** Deliveries deleted per statement; each takes its attempts with it (ON DELETE CASCADE), so fewer than the ledger's 5,000 rows. */
const PRUNE_BATCH = 1_000;
const PRUNE_INTERVAL_MS = 10 * 60_000;

// finished_at is set exactly while a delivery is delivered, dead or cancelled (a check holds every statement to it), so
// nothing pending or sending is ever taken. The outer condition is checked again on a row a replay changed meanwhile.
const PRUNE = `DELETE FROM delivery WHERE id IN (SELECT id FROM delivery WHERE finished_at < $1 LIMIT $2)
  AND finished_at < $1 AND status IN ('delivered', 'dead', 'cancelled')`;

// A deleted subscription stays for its deliveries' history (its replays answer that it was deleted) and its
// holds' records; with none of them left, nothing reads it. Deleted longer than the retention ago, so no
// delivery recorded from a list read before its deletion can still be coming.
const PRUNE_DELETED_SUBSCRIPTIONS = `DELETE FROM subscription WHERE id IN (
    SELECT s.id FROM subscription s
    WHERE s.deleted_at < $1
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.subscription_id = s.id)
      AND NOT EXISTS (SELECT 1 FROM grafana_annotation g WHERE g.subscription_id = s.id)
      AND NOT EXISTS (SELECT 1 FROM hold_alert a WHERE a.subscription_id = s.id)
    LIMIT $2)`;

/**
 * Keeps finished deliveries (delivered, dead, cancelled) and their attempts for
 * NOTIFIER_DELIVERY_RETENTION_DAYS after they finished, as history and for a replay; then they go,
 * a batch at a time every 10 minutes, as hold releases do, and after them the deleted subscriptions
 * nothing is left of. Every replica may run one: the deletes are idempotent. A hold's release is
 * kept while a placement delivery of it is (HoldReleases), so pruning the placement lets its
 * release go at the next round once its own retention has passed.
 */
@Injectable()
export class DeliveryPruner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryPruner.name);
  private readonly schedule = new PruneSchedule((signal) => this.pruneRound(signal), {
    intervalMs: PRUNE_INTERVAL_MS,
    failed: (error) => this.logger.warn({ err: (error as Error).message }, 'could not prune finished deliveries; trying again at the next round'),
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly subscriptions: SubscriptionsService,
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
    return deleteInBatches(this.dataSource, PRUNE, [this.cutoff()], { batchSize: PRUNE_BATCH, signal });
  }

  /** Deletes the subscriptions deleted longer than the retention ago of which nothing is kept; resolves with how many. */
  async pruneDeletedSubscriptions(signal?: AbortSignal): Promise<number> {
    return deleteInBatches(this.dataSource, PRUNE_DELETED_SUBSCRIPTIONS, [this.cutoff()], { signal });
  }

  // Deliveries first: a deleted subscription goes once its last delivery has. A rotation's ended overlap is erased on the way.
  private async pruneRound(signal: AbortSignal): Promise<void> {
    await this.prune(signal);
    if (!signal.aborted) await this.pruneDeletedSubscriptions(signal);
    if (!signal.aborted) await this.subscriptions.forgetEndedOverlaps();
  }

  private cutoff(): Date {
    return new Date(this.clock.nowMs() - this.config.settings.deliveryRetentionMs);
  }
}
