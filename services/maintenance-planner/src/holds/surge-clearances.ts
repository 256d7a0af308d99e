import { deleteInBatches, prepared } from '@holdfast/database';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { PlannerSettings } from '../config/planner-settings';

/** A surge's clearance: when and why it cleared, and the id of the surge.cleared event that said so. */
export interface SurgeClearance {
  clearedAt: Date;
  reason: string;
  eventId: string;
}

/**
 * Surge clearances that overtook their surge.started (surge_clearance). One serves only until its
 * start comes, and a start comes at most as late as the topic keeps it or a dead letter of it is
 * replayed: kept SURGE_CLEARANCE_RETENTION_DAYS from when the planner recorded it, then pruned by the
 * sweep. The hold's own audit trail keeps the clearance it was released by.
 */
@Injectable()
export class SurgeClearances implements OnApplicationBootstrap {
  private readonly logger = new Logger(SurgeClearances.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  onApplicationBootstrap(): void {
    const kept = this.config.settings.surgeClearanceRetentionMs;
    if (kept < this.config.ledger.retentionMs) {
      this.logger.warn(
        { surgeClearanceRetentionDays: kept / 86_400_000, processedEventRetentionDays: this.config.ledger.retentionMs / 86_400_000 },
        'surge clearances are forgotten before dead letters are: a surge.started replayed from its dead letter after that places a hold its clearance no longer ends; raise SURGE_CLEARANCE_RETENTION_DAYS',
      );
    }
  }

  async remember(tx: EntityManager, clearance: SurgeClearance & { surgeId: string }): Promise<void> {
    await tx.query('INSERT INTO surge_clearance (surge_id, cleared_at, reason, event_id, recorded_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
      clearance.surgeId,
      clearance.clearedAt,
      clearance.reason,
      clearance.eventId,
      this.clock.now(),
    ]);
  }

  /** The clearance remembered for the surge: when and why it cleared, and the surge.cleared that said so. */
  async of(tx: EntityManager, surgeId: string): Promise<SurgeClearance | undefined> {
    const [row] = (await tx.query(prepared('SELECT cleared_at, reason, event_id FROM surge_clearance WHERE surge_id = $1'), [surgeId])) as { cleared_at: Date; reason: string; event_id: string }[];
    return row && { clearedAt: row.cleared_at, reason: row.reason, eventId: row.event_id };
  }

  /** Deletes the clearances recorded longer ago than the retention, a batch at a time; resolves with how many. */
  async prune(): Promise<number> {
    return deleteInBatches(this.dataSource, 'DELETE FROM surge_clearance WHERE surge_id IN (SELECT surge_id FROM surge_clearance WHERE recorded_at < $1 LIMIT $2)', [
      new Date(this.clock.nowMs() - this.config.settings.surgeClearanceRetentionMs),
    ]);
  }
}
