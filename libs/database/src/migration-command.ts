import type { DataSource } from 'typeorm';
import { NewerSchemaError, runMigrations } from './migration-runner';

/**
 * The body of each service's `migrate` target: `migrate` applies pending migrations,
 * `migrate revert` undoes the last one. Prints what it did; a failure says what to check: the
 * connection when it never connected, the migration's own error (and that nothing of it stayed) when
 * one failed.
 */
export function migrateFromCommandLine(dataSource: DataSource, argv = process.argv.slice(2)): void {
  const say = (line: string) => process.stdout.write(`[migrate] ${line}\n`);
  let connected = false;
  const run = async () => {
    await dataSource.initialize();
    connected = true;
    try {
      if (argv[0] === 'revert') {
        await dataSource.undoLastMigration({ transaction: 'each' });
        say('reverted the last migration');
      } else {
        await runMigrations(dataSource, { info: say });
      }
    } finally {
      await dataSource.destroy();
    }
  };
  run().catch((error: Error) => {
    const hint = !connected
      ? 'Check DATABASE_URL and that PostgreSQL answers; nothing was migrated.'
      : error instanceof NewerSchemaError
        ? 'Nothing was migrated.'
        : 'The failing migration was rolled back and none after it ran (each runs in a transaction): fix what the error names and run again.';
    process.stderr.write(`[migrate] failed: ${error.message}\n${hint}\n`);
    process.exit(1);
  });
}
