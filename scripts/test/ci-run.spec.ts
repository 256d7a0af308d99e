import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../system/system-runner.mjs';

/**
 * .ci/run's PostgreSQL check, with npm and pg_isready replaced by stand-ins on PATH: npm says what
 * it was asked, pg_isready writes down what it was asked and answers only for `answering`.
 */
describe('.ci/run checks the PostgreSQL the tests will use', () => {
  let folder: string;
  let runs = 0;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'holdfast-ci-run-'));
    const program = (name: string, body: string) => {
      writeFileSync(join(folder, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(folder, name), 0o755);
    };
    program('npm', 'echo "npm $*"');
    program('pg_isready', 'echo "$*" >> "$PG_ISREADY_ASKED"\ncase "$*" in *"$PG_ISREADY_ANSWERS"*) exit 0;; esac\nexit 2');
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const ciRun = ({ databaseUrl, answering }: { databaseUrl?: string; answering: string }) => {
    const asked = join(folder, `asked-${++runs}`);
    writeFileSync(asked, '');
    const env: NodeJS.ProcessEnv = { PATH: `${folder}:/usr/bin:/bin`, PG_ISREADY_ASKED: asked, PG_ISREADY_ANSWERS: answering };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    const run = spawnSync('bash', [join(ROOT, '.ci/run')], { env, encoding: 'utf8' });
    return { status: run.status, said: run.stdout + run.stderr, asked: readFileSync(asked, 'utf8').trim() };
  };

  it('asks the server DATABASE_URL names, and runs the tests when it answers though nothing does on 5432', () => {
    const url = 'postgres://app:s3cret@db.internal:6432/holdfast';
    const run = ciRun({ databaseUrl: url, answering: 'db.internal:6432' });
    expect(run.asked).toBe(`-d ${url} -q`);
    expect(run.status).toBe(0);
    expect(run.said).toContain('npm ci\nnpm test');
  });

  it('stops with DATABASE_URL (password hidden) when that server does not answer, though 5432 does', () => {
    const run = ciRun({ databaseUrl: 'postgres://app:s3cret@db.internal:6432/holdfast', answering: '-p 5432' });
    expect(run.status).toBe(1);
    expect(run.said).toContain('[ci] PostgreSQL does not answer at DATABASE_URL=postgres://app:***@db.internal:6432/holdfast: start that server or set DATABASE_URL to one that answers');
    expect(run.said).not.toContain('s3cret');
    expect(run.said).not.toContain('npm ci');
  });

  it('asks 127.0.0.1:5432 when DATABASE_URL is unset', () => {
    expect(ciRun({ answering: '-h 127.0.0.1 -p 5432' })).toMatchObject({ status: 0, asked: '-h 127.0.0.1 -p 5432 -q' });
    const down = ciRun({ answering: 'nothing' });
    expect(down.status).toBe(1);
    expect(down.said).toContain('[ci] PostgreSQL does not answer on 127.0.0.1:5432: start it (pg_ctlcluster 15 main start) or set DATABASE_URL');
  });
});
