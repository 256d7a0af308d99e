import { describe, expect, it } from 'vitest';
import { deleteInBatches, DELETE_BATCH_ROWS } from './batched-delete';

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
