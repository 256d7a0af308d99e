import { describe, expect, it } from 'vitest';
import { deleteInBatches, DELETE_BATCH_ROWS, PruneSchedule } from './batched-delete';

/** A table of `rows` rows to delete, answering each DELETE as TypeORM does: `[rows, count]`. */
function backlog(rows: number, onStatement: (parameters: unknown[]) => void = () => undefined) {
  const statements: unknown[][] = [];
  let left = rows;
  return {
    statements,
    left: () => left,
    query: async (_statement: string, parameters: unknown[] = []) => {
      statements.push(parameters);
      onStatement(parameters);
      const limit = parameters.at(-1) as number;
      const count = Math.min(left, limit);
      left -= count;
      return [[], count];
    },
  };
}

describe('deleteInBatches', () => {
  it('deletes a batch at a time, the batch size as the last parameter, until a batch comes back short', async () => {
    const table = backlog(5);
    expect(await deleteInBatches(table, 'DELETE ... WHERE at < $1 LIMIT $2', ['cut-off'], { batchSize: 2 })).toBe(5);
    expect(table.statements).toEqual([
      ['cut-off', 2],
      ['cut-off', 2],
      ['cut-off', 2],
    ]);
  });

  it('asks once more after a full last batch, and takes 5,000 rows a statement when not told', async () => {
    const table = backlog(2 * DELETE_BATCH_ROWS);
    expect(await deleteInBatches(table, 'DELETE ...', [])).toBe(2 * DELETE_BATCH_ROWS);
    expect(table.statements).toEqual([[5_000], [5_000], [5_000]]);
  });

  it('starts no batch once its signal is aborted, leaving the rest of the backlog', async () => {
    const stopping = new AbortController();
    const table = backlog(1_000, () => table.statements.length === 2 && stopping.abort());
    expect(await deleteInBatches(table, 'DELETE ...', [], { batchSize: 10, signal: stopping.signal })).toBe(20);
    expect(table.left()).toBe(980);
    expect(await deleteInBatches(table, 'DELETE ...', [], { batchSize: 10, signal: stopping.signal })).toBe(0);
  });

  it('says what it expected when the statement is no DELETE', async () => {
    await expect(deleteInBatches({ query: async () => [{ id: 1 }] }, 'SELECT 1', [])).rejects.toThrow("expected a DELETE's [rows, count] from TypeORM");
  });
});

describe('PruneSchedule', () => {
  it('runs one prune at a time, says when one failed, and on stop aborts the one under way and waits for it', async () => {
    const signals: AbortSignal[] = [];
    const failures: unknown[] = [];
    let finish!: () => void;
    let runs = 0;
    const schedule = new PruneSchedule(
      (signal) => {
        signals.push(signal);
        runs++;
        if (runs === 1) return Promise.reject(new Error('connection terminated'));
        return new Promise<void>((resolve) => (finish = resolve));
      },
      { intervalMs: 1, failed: (error) => failures.push(error) },
    );
    schedule.start();
    await expectSoon(() => runs === 2);
    expect(failures).toEqual([new Error('connection terminated')]);
    // Ticks while the second prune runs start none.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toBe(2);

    let stopped = false;
    const stopping = schedule.stop().then(() => (stopped = true));
    expect(signals[1].aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(stopped, 'stop() waits for the prune under way').toBe(false);
    finish();
    await stopping;
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs, 'no prune after stop()').toBe(2);
  });
});

async function expectSoon(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 1) {
    if (waited > 2_000) throw new Error('condition not met within 2 s');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
