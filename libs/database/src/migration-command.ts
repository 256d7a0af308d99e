import type { DataSource } from 'typeorm';
import { runMigrations } from './migration-runner';

/**
 * The body of each service's `migrate` target: `migrate` applies pending migrations,
 * `migrate revert` undoes the last one. Prints what it did; a failure says what to check.
 */
export function migrateFromCommandLine(dataSource: DataSource, argv = process.argv.slice(2)): void {
  const say = (line: string) => process.stdout.write(`[migrate] ${line}\n`);
  const run = async () => {
    await dataSource.initialize();
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
    process.stderr.write(`[migrate] failed: ${error.message}\nCheck DATABASE_URL and that PostgreSQL answers; no partial migration is left behind (each runs in a transaction).\n`);
    process.exit(1);
  });
}
