import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyNewerSchema } from './schema-check.mjs';

const refusal = (schema: string) =>
  `schema ${schema} was migrated by a newer Holdfast release: it records Later1799999999999, which this build does not have. Run that release (or a later one). To go back to this one, stop every replica of the newer release and undo those migrations with it (node dist/services/${schema}/src/main.js migrate revert --to Earlier1700000000000), or restore the backup taken before the upgrade.`;

// Each stands for a built service's main: what its `migrate check` prints, and how it exits (libs/database, migration-command.ts).
const MAINS = {
  'newer-schema': `process.stderr.write(${JSON.stringify(`[migrate] failed: ${refusal('newer_schema')}\nNothing was migrated.\n`)}); process.exit(1);`,
  'up-to-date': `process.stdout.write('[migrate] schema up_to_date: up to date\\n');`,
  // Asked as npm start asks it: migrate check, with the system's environment.
  'checks-as-asked': `
    if (process.argv.slice(2).join(' ') !== 'migrate check' || process.env.DATABASE_URL !== 'postgres://spec') process.exit(2);
    process.stderr.write(${JSON.stringify(`[migrate] failed: ${refusal('checks_as_asked')}\nNothing was migrated.\n`)}); process.exit(1);`,
  unreachable: `process.stderr.write('[migrate] failed: connect ECONNREFUSED 127.0.0.1:5432\\nCheck DATABASE_URL and that PostgreSQL answers; nothing was migrated.\\n'); process.exit(1);`,
};

describe('npm start when a newer release migrated a schema', () => {
  let dir: string;
  const main = (name: string) => join(dir, `${name}.mjs`);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'holdfast-schema-check-'));
    for (const [name, body] of Object.entries(MAINS)) writeFileSync(main(name), body);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const first = `newer-schema exited (code 1) before it was ready. Its last lines:\nnewer-schema failed to start: ${refusal('newer_schema')}`;

  it("names, with the first service's refusal, every service not started whose schema is refused too, and those it could not check", async () => {
    expect(await everyNewerSchema(first, ['up-to-date', 'checks-as-asked', 'unreachable'], { DATABASE_URL: 'postgres://spec' }, main)).toBe(
      [
        first,
        `checks-as-asked refuses too (its migrate check): ${refusal('checks_as_asked')}`,
        'unreachable: its schema could not be checked: connect ECONNREFUSED 127.0.0.1:5432',
        'Take back every schema named above with the release that migrated it, then start again.',
      ].join('\n'),
    );
  });

  it('says the services not started found their schemas this build’s', async () => {
    expect(await everyNewerSchema(first, ['up-to-date'], { DATABASE_URL: 'postgres://spec' }, main)).toBe(`${first}\nup-to-date: its schema is this build's (its migrate check).`);
    expect(await everyNewerSchema(first, [], {}, main)).toBe(first);
  });
});
