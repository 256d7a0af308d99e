import type { DataSource } from 'typeorm';

export interface MigrationLog {
  info(message: string): void;
}

/**
 * Creates the service's schema if needed, then applies pending migrations in order, each in its
 * own transaction. Safe to call from every replica at start: PostgreSQL's advisory lock makes the
 * replicas take turns instead of racing on the same DDL.
 */
export async function runMigrations(dataSource: DataSource, log: MigrationLog): Promise<string[]> {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('The data source has no schema: every service must own a named schema.');
  const lockKey = `holdfast-migrations:${schema}`;
  // A session-level lock must be taken and released on the same connection.
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  await lockHolder.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
  try {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((migration) => migration.name);
    log.info(names.length ? `schema ${schema}: applied ${names.join(', ')}` : `schema ${schema}: up to date`);
    return names;
  } finally {
    await lockHolder.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    await lockHolder.release();
  }
}
