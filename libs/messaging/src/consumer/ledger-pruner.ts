import type { DataSource } from 'typeorm';
import type { MessagingLogger } from '../kafka/messaging-logger';

export interface LedgerPrunerOptions {
  dataSource: DataSource;
  logger: MessagingLogger;
  /** Rows older than this go (processed events and dead-letter records alike). */
  retentionMs: number;
  /** Rows deleted per statement, so a large backlog never holds long locks or one huge transaction. */
  batchSize?: number;
  intervalMs?: number;
}

export const DEFAULT_LEDGER_RETENTION_MS = 7 * 86_400_000;

/**
 * Keeps the processed-event ledger and the dead-letter records to their retention. Every replica
 * may run one: the deletes are idempotent and small.
 */
export class LedgerPruner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly batchSize: number;

  constructor(private readonly options: LedgerPrunerOptions) {
    this.batchSize = options.batchSize ?? 5_000;
  }

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.prune()
        .catch((error) => this.options.logger.warn({ err: error }, 'processed-event ledger clean-up failed; it is tried again at the next round'))
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs ?? 10 * 60_000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Deletes what is past retention, a batch at a time; resolves with the rows deleted. */
  async prune(): Promise<number> {
    let deleted = 0;
    for (const [table, column] of [['processed_event', 'processed_at'], ['dead_letter', 'dead_lettered_at']] as const) {
      for (;;) {
        const [, count]: [unknown, number] = await this.options.dataSource.query(
          `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${column} < now() - make_interval(secs => $1) LIMIT $2)`,
          [this.options.retentionMs / 1000, this.batchSize],
        );
        deleted += count;
        if (count < this.batchSize) break;
      }
    }
    return deleted;
  }
}
