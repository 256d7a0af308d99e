import { deleteInBatches, PruneSchedule } from '@holdfast/database';
import type { DataSource } from 'typeorm';
import type { MessagingLogger } from '../kafka/messaging-logger';

export interface LedgerPrunerOptions {
  dataSource: DataSource;
  logger: MessagingLogger;
  /** Rows older than this go (processed events and dead-letter records alike). */
  retentionMs: number;
  /** Rows deleted per statement (DELETE_BATCH_ROWS by default). */
  batchSize?: number;
  intervalMs?: number;
}

export const DEFAULT_LEDGER_RETENTION_MS = 7 * 86_400_000;

const PRUNED = [
  ['processed_event', 'processed_at'],
  ['dead_letter', 'dead_lettered_at'],
] as const;

/**
 * Keeps the processed-event ledger and the dead-letter records to their retention. Every replica
 * may run one: the deletes are idempotent and small.
 */
export class LedgerPruner {
  private readonly schedule: PruneSchedule;

  constructor(private readonly options: LedgerPrunerOptions) {
    this.schedule = new PruneSchedule((signal) => this.prune(signal), {
      intervalMs: options.intervalMs ?? 10 * 60_000,
      failed: (error) => options.logger.warn({ err: error }, 'processed-event ledger clean-up failed; it is tried again at the next round'),
    });
  }

  start(): void {
    this.schedule.start();
  }

  /** Ends a prune under way after its current batch: a large backlog waits for the next start. */
  stop(): Promise<void> {
    return this.schedule.stop();
  }

  /** Deletes what is past retention, a batch at a time; resolves with the rows deleted. */
  async prune(signal?: AbortSignal): Promise<number> {
    let deleted = 0;
    for (const [table, column] of PRUNED) {
      deleted += await deleteInBatches(
        this.options.dataSource,
        `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < now() - make_interval(secs => $1) LIMIT $2)`,
        [this.options.retentionMs / 1000],
        { batchSize: this.options.batchSize, signal },
      );
    }
    return deleted;
  }
}
