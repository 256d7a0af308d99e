import { answeredAtCommit, deleteInBatches, PruneSchedule } from '@holdfast/database';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { NotifierSettings } from '../../config/notifier-settings';

const PRUNE_INTERVAL_MS = 10 * 60_000;

// Nothing reads its answer, so it travels with the consumer's COMMIT.
const RECORD_RELEASE = answeredAtCommit('INSERT INTO hold_release (hold_id, released_at, recorded_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING');

// A release is forgotten only once no placement of its hold is kept as a delivery, whatever its
// status: a pending one may still be sent, and a dead or delivered one replayed.
const PRUNE = `DELETE FROM hold_release WHERE hold_id IN (
    SELECT r.hold_id FROM hold_release r
    WHERE r.recorded_at < $1
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_type = 'hold.placed' AND d.ordering_key = 'hold:' || r.hold_id)
    LIMIT $2)`;

/**
 * The releases of holds (hold_release; HoldReleaseEntity says who reads them). A placement sent
 * after its release must find it: one kept as a delivery (retrying, dead, or delivered, and so
 * replayable) keeps it as long as that delivery is kept; one not recorded yet can come from the
 * topic (a placement no subscription wanted, read again for one made since) or a replayed dead
 * letter. Past NOTIFIER_HOLD_RELEASE_RETENTION_DAYS from when it was consumed, with no placement
 * kept, neither can come any more and the release is pruned.
 */
@Injectable()
export class HoldReleases implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HoldReleases.name);
  private readonly schedule = new PruneSchedule((signal) => this.prune(signal), {
    intervalMs: PRUNE_INTERVAL_MS,
    failed: (error) => this.logger.warn({ err: (error as Error).message }, 'could not prune hold releases; trying again at the next round'),
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<NotifierSettings>,
  ) {}

  onApplicationBootstrap(): void {
    const kept = this.config.settings.holdReleaseRetentionMs;
    if (kept < this.config.ledger.retentionMs) {
      this.logger.warn(
        { holdReleaseRetentionDays: kept / 86_400_000, processedEventRetentionDays: this.config.ledger.retentionMs / 86_400_000 },
        'hold releases are forgotten before dead letters are: a hold.placed replayed from its dead letter after that fires Alertmanager alerts its release no longer ends; raise NOTIFIER_HOLD_RELEASE_RETENTION_DAYS',
      );
    }
    this.schedule.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.schedule.stop();
  }

  /** In the consumer's transaction: every release, wanted by a subscription or not. */
  async remember(transaction: EntityManager, holdId: string, releasedAt: Date): Promise<void> {
    await transaction.query(RECORD_RELEASE, [holdId, releasedAt, this.clock.now()]);
  }

  /** Deletes the releases past their retention whose hold has no placement kept, a batch at a time; resolves with how many. */
  async prune(signal?: AbortSignal): Promise<number> {
    return deleteInBatches(this.dataSource, PRUNE, [new Date(this.clock.nowMs() - this.config.settings.holdReleaseRetentionMs)], { signal });
  }
}
