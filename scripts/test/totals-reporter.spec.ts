import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../system/system-runner.mjs';

const CONFIG = join(ROOT, 'scripts/test/fixtures/vitest.fixture.config.mts');

/** Runs vitest on the fixtures: one file whose suite setup throws, one that cannot load, one whose afterAll throws after its test passed. */
function runFixtures(env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', CONFIG], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, HOLDFAST_TOTALS_FILE: '', ...env },
  });
}

describe('the totals CI reads', () => {
  it('counts tests that never ran because their setup failed, files that failed to load, and files that failed after their tests passed, as failures', () => {
    const folder = mkdtempSync(join(tmpdir(), 'totals-spec-'));
    try {
      const file = join(folder, 'totals.json');
      const run = runFixtures({ HOLDFAST_TOTALS_FILE: file });

      expect(run.status).not.toBe(0);
      // 2 tests behind the failed beforeAll, 1 file that cannot load, 1 whose afterAll threw; it.skip and it.todo stay skipped.
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ passed: 2, failed: 4, skipped: 2 });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('ends a plain vitest run with the totals on a line of their own', () => {
    const run = runFixtures();

    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('2 passed, 4 failed');
  });
});
