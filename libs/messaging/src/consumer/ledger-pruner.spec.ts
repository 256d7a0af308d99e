import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../kafka/messaging-logger';
import { LedgerPruner } from './ledger-pruner';

describe('LedgerPruner.stop', () => {
  it('returns after the batch under way when the backlog is large, leaving the rest for the next start', async () => {
    const batchSize = 100;
    // A thousand full batches past retention in each table: deleted to the end, a stop would wait for all of them.
    let statements = 0;
    let firstStarted!: () => void;
    const started = new Promise<void>((resolve) => (firstStarted = resolve));
    const dataSource = {
      query: async () => {
        statements++;
        firstStarted();
        await new Promise((resolve) => setImmediate(resolve));
        return [[], statements <= 2_000 ? batchSize : 0];
      },
    } as unknown as DataSource;
    const pruner = new LedgerPruner({ dataSource, logger: silentLogger, retentionMs: 7 * 86_400_000, batchSize, intervalMs: 1 });

    pruner.start();
    await started;
    await pruner.stop();
    expect(statements, 'DELETE statements run before stop() returned').toBe(1);
  });
});
