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
  return withMigrationLock(dataSource, async (schema) => {
    await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    const problem = newerSchemaProblem(schema, await recordedMigrations(dataSource, schema), knownMigrations(dataSource), serviceOf(dataSource));
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
  });
}

/**
 * Undoes the last applied migration, or, given `to`, every one applied after `to`, newest first,
 * each in its own transaction and each named as it goes, with the one then last: an operator going
 * back a release sees where the schema stands, rather than counting. Refused, with nothing undone,
 * when `to` is not applied, or when a migration to undo is not this build's (a newer release's:
 * that release undoes it).
 */
export async function revertMigrations(dataSource: DataSource, log: MigrationLog, to?: string): Promise<string[]> {
  return withMigrationLock(dataSource, async (schema) => {
    const recorded = await recordedMigrations(dataSource, schema);
    if (to !== undefined && !recorded.includes(to)) {
      throw new RevertRefused(
        `schema ${schema} has not applied ${to}, so it cannot be reverted to it; ` +
          (recorded.length ? `it records ${recorded.length > 20 ? `${recorded.length - 20} earlier, then ` : ''}${recorded.slice(-20).join(', ')} (newest last).` : 'it records no migration.'),
      );
    }
    const undone = to === undefined ? recorded.slice(-1) : recorded.slice(recorded.indexOf(to) + 1);
    const known = knownMigrations(dataSource);
    // Only the newer release has the down of a migration this build lacks.
    const problem = undone.some((name) => !known.includes(name)) ? newerSchemaProblem(schema, recorded, known, serviceOf(dataSource)) : null;
    if (problem) throw new NewerSchemaError(problem);
    const replacers = replacersOf(dataSource);
    for (const [index, name] of undone.entries()) {
      const replacer = replacers.get(name);
      // Its replacement, applied after it, brought the schema to its own shape: undoing that undoes both. Without it, this build has no down for it.
      if (replacer !== undefined && !undone.slice(index + 1).includes(replacer)) {
        throw new RevertRefused(
          `schema ${schema} records ${name}, which this build replaced with ${replacer}, and has not applied ${replacer}, so this build cannot undo it: ` +
            `start this build once (it applies ${replacer}) and revert then, or revert with the release that applied ${name}.`,
        );
      }
    }
    if (undone.length === 0) log.info(to === undefined ? `schema ${schema}: no migration is applied: nothing to revert` : `schema ${schema}: ${to} is already the last applied migration: nothing to revert`);
    const table = `"${schema}"."${dataSource.options.migrationsTableName ?? 'migrations'}"`;
    for (const name of undone.reverse()) {
      const replacer = replacers.get(name);
      if (replacer === undefined) {
        // TypeORM undoes the migration recorded last, which is this one.
        await dataSource.undoLastMigration({ transaction: 'each' });
      } else {
        await dataSource.query(`DELETE FROM ${table} WHERE id = (SELECT max(id) FROM ${table} WHERE name = $1)`, [name]);
      }
      recorded.pop();
      const now = recorded.length ? `the last applied is now ${recorded[recorded.length - 1]}` : 'no migration is applied now';
      log.info(replacer === undefined ? `schema ${schema}: reverted ${name}; ${now}` : `schema ${schema}: removed the record of ${name}, which ${replacer} replaced: undoing ${replacer} undid it too; ${now}`);
    }
    return undone;
  });
}

/**
 * What `migrate check` says of a schema without changing it: the migrations this build would apply
 * at its start, or nothing; a schema a newer release migrated is refused as a start refuses it.
 */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const schema = schemaOf(dataSource);
  const recorded = await recordedMigrations(dataSource, schema);
  const problem = newerSchemaProblem(schema, recorded, knownMigrations(dataSource), serviceOf(dataSource));
  if (problem) throw new NewerSchemaError(problem);
  const done = new Set(recorded);
  return dataSource.migrations.map((migration) => migration.name ?? migration.constructor.name).filter((name) => !done.has(name));
}

/**
 * Names in a migration's report: the first `limit`, then how many more, so that the line of an
 * installation with thousands stays one an operator reads.
 */
export function reportedNames(names: readonly string[], limit = 20): string {
  const shown = names.slice(0, limit).join(', ');
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

/** A schema a newer release migrated: refused before any migration ran, so nothing was changed. */
export class NewerSchemaError extends Error {}

/** A revert asked of a migration the schema has not applied: nothing was reverted. */
export class RevertRefused extends Error {}

/**
 * Why this build must not run on `schema`, or null: the schema records migrations this build does
 * not have, so a newer release migrated it (an upgrade's replica, or a downgrade). TypeORM would
 * only see nothing pending and say "up to date"; the code would then read and write tables in a
 * shape it was not written for (the notifier of 2026-12-02 on the schema of 2026-12-05 sent webhooks
 * it could not record, again and again). The way back is one command of the newer release: revert
 * to the migration recorded just before the first this build lacks.
 */
export function newerSchemaProblem(schema: string, recorded: string[], known: string[], service = '<service>'): string | null {
  const knownNames = new Set(known);
  const firstUnknown = recorded.findIndex((name) => !knownNames.has(name));
  if (firstUnknown === -1) return null;
  const unknown = recorded.filter((name) => !knownNames.has(name));
  const command = `node dist/services/${service}/src/main.js migrate revert`;
  // Its own migrations applied after a newer one (a newer release may add one dated before them) are undone with it.
  const againAtStart = recorded.slice(firstUnknown).filter((name) => knownNames.has(name));
  const undo =
    firstUnknown === 0
      ? `${command}, once per migration the schema records, newest first`
      : `${command} --to ${recorded[firstUnknown - 1]}${againAtStart.length ? `; this build applies ${againAtStart.join(', ')} again at its start` : ''}`;
  return (
    `schema ${schema} was migrated by a newer Holdfast release: it records ${unknown.join(', ')}, which this build does not have. ` +
    `Run that release (or a later one). To go back to this one, stop every replica of the newer release and undo those migrations with it (${undo}), ` +
    'or restore the backup taken before the upgrade.'
  );
}

/** Runs `work` on the service's schema while holding its migration lock, which every replica's start takes too. */
async function withMigrationLock<T>(dataSource: DataSource, work: (schema: string) => Promise<T>): Promise<T> {
  const schema = schemaOf(dataSource);
  const lockKey = `holdfast-migrations:${schema}`;
  // A session-level lock must be taken and released on the same connection.
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  await lockHolder.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
  try {
    return await work(schema);
  } finally {
    await lockHolder.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
    await lockHolder.release();
  }
}

function schemaOf(dataSource: DataSource): string {
  const schema = (dataSource.options as { schema?: string }).schema;
  if (!schema) throw new Error('The data source has no schema: every service must own a named schema.');
  return schema;
}

/** The service the data source is for (its application name), whose main the way back runs. */
function serviceOf(dataSource: DataSource): string | undefined {
  return (dataSource.options as { applicationName?: string }).applicationName;
}

/** Every migration name this build accounts for: its migrations', and those they replaced. */
/** Each name a migration of this build replaces, with the migration that replaced it. */
function replacersOf(dataSource: DataSource): Map<string, string> {
  return new Map(
    dataSource.migrations.flatMap((migration) => ((migration as HoldfastMigration).replaces ?? []).map((replaced): [string, string] => [replaced, migration.name ?? migration.constructor.name])),
  );
}

function knownMigrations(dataSource: DataSource): string[] {
  return dataSource.migrations.flatMap((migration) => [migration.name ?? migration.constructor.name, ...((migration as HoldfastMigration).replaces ?? [])]);
}

async function recordedMigrations(dataSource: DataSource, schema: string): Promise<string[]> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [{ found }] = (await dataSource.query('SELECT to_regclass($1) IS NOT NULL AS found', [`"${schema}"."${table}"`])) as { found: boolean }[];
  if (!found) return [];
  return ((await dataSource.query(`SELECT name FROM "${schema}"."${table}" ORDER BY id`)) as { name: string }[]).map(({ name }) => name);
}
