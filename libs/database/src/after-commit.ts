import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

// Per query runner, what to run when its outermost transaction commits, by key.
const pending = new WeakMap<QueryRunner, Map<unknown, () => void>>();
const watched = new WeakSet<DataSource>();

/**
 * Runs `callback` once the transaction `manager` belongs to commits, and never if it rolls back
 * (a savepoint's end does not count: only the outermost transaction's). Registered again under the
 * same `key` within one transaction, it still runs once. For work that must not happen unless the
 * change did: telling the outbox relay, counting what was committed.
 */
export function afterCommit(manager: EntityManager, callback: () => void, key: unknown = callback): void {
  const queryRunner = manager.queryRunner;
  if (!queryRunner?.isTransactionActive) throw new Error('afterCommit needs the EntityManager of an open transaction.');
  watch(manager.connection);
  let callbacks = pending.get(queryRunner);
  if (!callbacks) pending.set(queryRunner, (callbacks = new Map()));
  if (!callbacks.has(key)) callbacks.set(key, callback);
}

function watch(dataSource: DataSource): void {
  if (watched.has(dataSource)) return;
  watched.add(dataSource);
  dataSource.subscribers.push({
    afterTransactionCommit: ({ queryRunner }) => {
      if (queryRunner.isTransactionActive) return;
      const callbacks = pending.get(queryRunner);
      pending.delete(queryRunner);
      callbacks?.forEach((callback) => callback());
    },
    afterTransactionRollback: ({ queryRunner }) => {
      if (!queryRunner.isTransactionActive) pending.delete(queryRunner);
    },
  });
}
