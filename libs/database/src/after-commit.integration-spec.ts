import { testEnvironment } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { afterCommit } from './after-commit';

describe('afterCommit against the real PostgreSQL', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = await new DataSource({ type: 'postgres', url: testEnvironment().databaseUrl }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  it('runs once the transaction commits, once per key, and never after a rollback', async () => {
    const ran: string[] = [];
    await dataSource.transaction(async (transaction) => {
      afterCommit(transaction, () => ran.push('keyed'), 'key');
      afterCommit(transaction, () => ran.push('keyed again'), 'key');
      afterCommit(transaction, () => ran.push('own'));
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['keyed', 'own']);

    await expect(
      dataSource.transaction(async (transaction) => {
        afterCommit(transaction, () => ran.push('rolled back'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(ran).toEqual(['keyed', 'own']);
  });

  it('waits for the outermost transaction, not a savepoint, and a reused runner starts afresh', async () => {
    const ran: string[] = [];
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await runner.startTransaction();
      afterCommit(runner.manager, () => ran.push('first'), 'key');
      await runner.commitTransaction();
      expect(ran).toEqual([]);
      await runner.commitTransaction();
      expect(ran).toEqual(['first']);

      await runner.startTransaction();
      afterCommit(runner.manager, () => ran.push('second'), 'key');
      await runner.commitTransaction();
      expect(ran).toEqual(['first', 'second']);
    } finally {
      await runner.release();
    }
  });

  it('refuses a manager outside a transaction', () => {
    expect(() => afterCommit(dataSource.manager, () => undefined)).toThrow(/open transaction/);
  });
});
