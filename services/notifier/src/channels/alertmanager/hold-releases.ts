import { answeredAtCommit, deleteInBatches, PruneSchedule } from '@holdfast/database';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { NotifierSettings } from '../../config/notifier-settings';

const PRUNE_INTERVAL_MS = 10 * 60_000;

// Nothing reads its answer, so it travels with the consumer's COMMIT.
const RECORD_RELEASE = answeredAtCommit('INSERT INTO hold_release (hold_id, released_at, recorded_at, window_ids) VALUES ($1, $2, $3, $4::uuid[]) ON CONFLICT DO NOTHING');

// A release is forgotten only once no placement of its hold (hold.placed, or window.held on its window's key) is kept
// as a delivery, whatever its status (a pending one may still be sent, and a dead or delivered one replayed), and once no
// annotation or alert record of the hold is left: those are pruned while it still says the hold was released.
const PRUNE = `DELETE FROM hold_release WHERE hold_id IN (
    SELECT r.hold_id FROM hold_release r
    WHERE r.recorded_at < $1
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_type = 'hold.placed' AND d.ordering_key = 'hold:' || r.hold_id)
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_type = 'window.held' AND d.event->'data'->>'holdId' = r.hold_id::text)
      AND NOT EXISTS (SELECT 1 FROM grafana_annotation g WHERE g.hold_id = r.hold_id)
      AND NOT EXISTS (SELECT 1 FROM hold_alert a WHERE a.hold_id = r.hold_id)
    LIMIT $2)`;

/**
 * What a subscription keeps of a hold (the Grafana annotation a release moves, the Alertmanager
 * alerts the refresher re-posts) is read only when a placement, extension or release of the hold
 * is sent to it. Once the hold's release is past its retention (no such event can come from the
 * topic or a dead letter) and no delivery of the subscription for the hold is kept (none can be
 * retried or replayed), nothing will be; a deleted subscription's are never read again. Without
 * this the rows stayed for good, and a paused alert record outliving its release would fire the
 * released hold's alerts again when its subscription was turned on.
 */
const pruneHoldRecords = (table: 'grafana_annotation' | 'hold_alert'): string => `DELETE FROM ${table} WHERE (subscription_id, hold_id) IN (
    SELECT k.subscription_id, k.hold_id FROM ${table} k
    JOIN subscription s ON s.id = k.subscription_id
    LEFT JOIN hold_release r ON r.hold_id = k.hold_id
    WHERE s.deleted_at < $1
       OR (r.recorded_at < $1 AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.subscription_id = k.subscription_id AND d.ordering_key = 'hold:' || k.hold_id))
    LIMIT $2)`;
const PRUNE_ANNOTATIONS = pruneHoldRecords('grafana_annotation');
const PRUNE_ALERTS = pruneHoldRecords('hold_alert');

/**
 * The releases of holds (hold_release; HoldReleaseEntity says who reads them). A placement sent
 * after its release must find it: one kept as a delivery (retrying, dead, or delivered, and so
 * replayable) keeps it as long as that delivery is kept; one not recorded yet can come from the
 * topic (a placement no subscription wanted, read again for one made since) or a replayed dead
 * letter. Past NOTIFIER_HOLD_RELEASE_RETENTION_DAYS from when it was consumed, with no placement
 * kept, neither can come any more and the release is pruned, after the hold's annotation and alert
 * records (which need it to know the hold was released).
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

  /** In the consumer's transaction: every release, wanted by a subscription or not, with the windows it let go of. */
  async remember(transaction: EntityManager, holdId: string, releasedAt: Date, windowIds: readonly string[]): Promise<void> {
    await transaction.query(RECORD_RELEASE, [holdId, releasedAt, this.clock.now(), windowIds]);
  }

  /**
   * Deletes, a batch at a time, the annotation and alert records no longer needed, then the releases
   * past their retention whose hold has neither a placement kept nor such a record left; resolves
   * with how many rows in all.
   */
  async prune(signal?: AbortSignal): Promise<number> {
    const cutoff = [new Date(this.clock.nowMs() - this.config.settings.holdReleaseRetentionMs)];
    let deleted = 0;
    for (const statement of [PRUNE_ANNOTATIONS, PRUNE_ALERTS, PRUNE]) deleted += await deleteInBatches(this.dataSource, statement, cutoff, { signal });
    return deleted;
  }
}
