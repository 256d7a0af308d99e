/** Rows a prune deletes per statement: a large backlog never holds long locks or makes one huge transaction. */
export const DELETE_BATCH_ROWS = 5_000;

/** What runs the statement: a DataSource, or an EntityManager for a transaction's own. */
export interface DeletingConnection {
  query(statement: string, parameters?: unknown[]): Promise<unknown>;
}

export interface BatchedDeleteOptions {
  /** Rows deleted per statement; DELETE_BATCH_ROWS when not given. */
  batchSize?: number;
  /** Once aborted, no further statement starts: a shutdown waits for the batch under way, not for the whole backlog. */
  signal?: AbortSignal;
}

/**
 * Runs `statement`, a DELETE of at most as many rows as its last parameter (the batch size, added
 * after `parameters`), again and again until one deletes fewer than a batch or `signal` is aborted.
 * Each statement commits on its own. Resolves with the rows deleted.
 */
export async function deleteInBatches(connection: DeletingConnection, statement: string, parameters: readonly unknown[], options: BatchedDeleteOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? DELETE_BATCH_ROWS;
  let deleted = 0;
  while (!options.signal?.aborted) {
    const count = deletedRows(await connection.query(statement, [...parameters, batchSize]));
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}

/** TypeORM answers a DELETE with its rows and PostgreSQL's row count: `[rows, count]`. */
function deletedRows(result: unknown): number {
  if (Array.isArray(result) && result.length === 2 && typeof result[1] === 'number') return result[1];
  throw new Error(`expected a DELETE's [rows, count] from TypeORM, got ${JSON.stringify(result)?.slice(0, 100)}: is the statement a DELETE?`);
}

export interface PruneScheduleOptions {
  intervalMs: number;
  /** A prune that failed; the next round tries again. */
  failed: (error: unknown) => void;
}

/**
 * Runs a prune every interval, never two at once. stop() ends the one under way after its current
 * batch (the signal it was given is aborted), so a shutdown never waits for a whole backlog.
 */
export class PruneSchedule {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopping = new AbortController();

  constructor(
    private readonly prune: (signal: AbortSignal) => Promise<unknown>,
    private readonly options: PruneScheduleOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.stopping = new AbortController();
    this.timer = setInterval(() => {
      this.running ??= this.prune(this.stopping.signal)
        .catch(this.options.failed)
        .finally(() => (this.running = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping.abort();
    await this.running;
  }
}
