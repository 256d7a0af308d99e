import type { DataSource, MigrationInterface } from 'typeorm';

export interface MigrationLog {
  info(message: string): void;
}

export interface HoldfastMigration extends MigrationInterface {
  /** What up() rewrote or removed, set by it: the start logs it. */
  report?: string;
  /**
   * Migrations this one replaced after they had run on main (edited or renamed there after
   * landing): a schema recording them is not a newer release's, and up() brings it to this shape.
   */
  replaces?: readonly string[];
}

/**
 * Creates the service's schema if needed, then applies pending migrations in order, each in its
 * own transaction. Safe to call from every replica at start: PostgreSQL's advisory lock makes the
 * replicas take turns instead of racing on the same DDL. A schema a newer release migrated is
 * refused (newerSchemaProblem) before anything reads or writes it.
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
    const known = dataSource.migrations.flatMap((migration) => [migration.name ?? migration.constructor.name, ...((migration as HoldfastMigration).replaces ?? [])]);
    const problem = newerSchemaProblem(schema, await recordedMigrations(dataSource, schema), known);
    if (problem) throw new NewerSchemaError(problem);
    // TypeORM keeps one instance of each migration class per process: a report is this run's only.
    for (const migration of dataSource.migrations as HoldfastMigration[]) migration.report = undefined;
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    const names = applied.map((migration) => migration.name);
    log.info(names.length ? `schema ${schema}: applied ${names.join(', ')}` : `schema ${schema}: up to date`);
    for (const migration of applied) {
      const report = (migration.instance as HoldfastMigration | undefined)?.report;
      if (report) log.info(`schema ${schema}: ${migration.name} ${report}`);
    }
    return names;
  } finally {
    await lockHolder.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    await lockHolder.release();
  }
}

/** A schema a newer release migrated: refused before any migration ran, so nothing was changed. */
export class NewerSchemaError extends Error {}

/**
 * Why this build must not run on `schema`, or null: the schema records migrations this build does
 * not have, so a newer release migrated it (an upgrade's replica, or a downgrade). TypeORM would
 * only see nothing pending and say "up to date"; the code would then read and write tables in a
 * shape it was not written for (the notifier of 2026-12-02 on the schema of 2026-12-05 sent webhooks
 * it could not record, again and again).
 */
export function newerSchemaProblem(schema: string, recorded: string[], known: string[]): string | null {
  const knownNames = new Set(known);
  const unknown = recorded.filter((name) => !knownNames.has(name));
  if (unknown.length === 0) return null;
  return (
    `schema ${schema} was migrated by a newer Holdfast release: it records ${unknown.join(', ')}, which this build does not have. ` +
    'Run that release (or a later one). To go back to this one, stop every replica of the newer release, undo those migrations with it ' +
    '(node dist/services/<service>/src/main.js migrate revert, once per migration, newest first), or restore the backup taken before the upgrade.'
  );
}

async function recordedMigrations(dataSource: DataSource, schema: string): Promise<string[]> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [{ found }] = (await dataSource.query('SELECT to_regclass($1) IS NOT NULL AS found', [`"${schema}"."${table}"`])) as { found: boolean }[];
  if (!found) return [];
  return ((await dataSource.query(`SELECT name FROM "${schema}"."${table}" ORDER BY id`)) as { name: string }[]).map(({ name }) => name);
}
