import type { DataSource } from 'typeorm';
import { NewerSchemaError, pendingMigrations, RevertRefused, revertMigrations, runMigrations } from './migration-runner';

const USAGE = 'migrate takes no command (apply the pending migrations), check, revert, or revert --to <MigrationName>';

type MigrateCommand = { kind: 'apply' } | { kind: 'check' } | { kind: 'revert'; to?: string };

/**
 * The body of each service's `migrate` target: `migrate` applies pending migrations, `migrate check`
 * says what a start would apply (or refuse) and changes nothing, `migrate revert` undoes the last one
 * and `migrate revert --to <MigrationName>` every one after that. Prints what it did; a failure says
 * what to check: the connection when it never connected, the migration's own error (and that nothing
 * of it stayed) when one failed. Resolves once it is done (a failure has asked to exit by then).
 */
export async function migrateFromCommandLine(dataSource: DataSource, argv = process.argv.slice(2)): Promise<void> {
  const say = (line: string) => process.stdout.write(`[migrate] ${line}\n`);
  const fail = (message: string, hint: string) => {
    process.stderr.write(`[migrate] failed: ${message}\n${hint}\n`);
    process.exit(1);
  };
  const command = parse(argv);
  if (typeof command === 'string') return fail(command, command.startsWith('revert') ? 'Nothing was reverted.' : 'Nothing was migrated.');
  let connected = false;
  try {
    await dataSource.initialize();
    connected = true;
    try {
      if (command.kind === 'revert') {
        await revertMigrations(dataSource, { info: say }, command.to);
      } else if (command.kind === 'check') {
        const pending = await pendingMigrations(dataSource);
        const schema = (dataSource.options as { schema?: string }).schema;
        say(pending.length ? `schema ${schema}: ${pending.length} migration(s) to apply: ${pending.join(', ')}` : `schema ${schema}: up to date`);
      } else {
        await runMigrations(dataSource, { info: say });
      }
    } finally {
      await dataSource.destroy();
    }
  } catch (error) {
    const unchanged = command.kind === 'revert' ? 'Nothing was reverted.' : 'Nothing was migrated.';
    fail(
      (error as Error).message,
      !connected
        ? `Check DATABASE_URL and that PostgreSQL answers; ${unchanged.toLowerCase()}`
        : error instanceof NewerSchemaError || error instanceof RevertRefused
          ? unchanged
          : command.kind === 'revert'
            ? "That migration's revert was rolled back (each runs in a transaction); those reverted before it, named above, stay reverted: fix what the error names and run again."
            : 'The failing migration was rolled back and none after it ran (each runs in a transaction): fix what the error names and run again.',
    );
  }
}

/** The command argv asks for, or why it is refused. */
function parse(argv: string[]): MigrateCommand | string {
  const [name, ...rest] = argv;
  if (name === undefined) return { kind: 'apply' };
  if (name === 'check' && rest.length === 0) return { kind: 'check' };
  if (name !== 'revert') return `unknown command "${argv.join(' ')}": ${USAGE}.`;
  if (rest.length === 0) return { kind: 'revert' };
  const to = rest[0] === '--to' && rest.length === 2 ? rest[1] : rest.length === 1 && rest[0].startsWith('--to=') ? rest[0].slice('--to='.length) : undefined;
  if (!to) {
    return rest[0] === '--to' || rest[0] === '--to='
      ? 'revert --to needs the name of the migration to keep as the last applied (migrate revert --to <MigrationName>).'
      : `unknown command "${argv.join(' ')}": ${USAGE}.`;
  }
  return { kind: 'revert', to };
}
