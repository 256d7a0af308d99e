import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mainOf, ROOT, SERVICES } from './system-runner.mjs';

function buildInChild(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveBuild) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', "const m = await import('./scripts/system/system-runner.mjs'); m.buildServices();"], { cwd: ROOT });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolveBuild({ code, output }));
  });
}

describe('buildServices', () => {
  it('lets two builds run at once, each service entry point complete whenever it is read', async () => {
    const reads: string[] = [];
    const builds = Promise.all([buildInChild(), buildInChild()]);
    let done = false;
    void builds.then(() => (done = true));
    // Read an entry point for as long as the builds run, as a service starting meanwhile would.
    while (!done) {
      if (existsSync(mainOf('notifier'))) reads.push(readFileSync(mainOf('notifier'), 'utf8'));
      await new Promise((wake) => setImmediate(wake));
    }

    for (const build of await builds) expect(build.code, build.output).toBe(0);
    const final = readFileSync(mainOf('notifier'), 'utf8');
    expect(new Set(reads.filter((read) => read !== final))).toEqual(new Set());
    for (const { name } of SERVICES) expect(existsSync(mainOf(name)), name).toBe(true);
    expect(readdirSync(join(ROOT, 'dist')).filter((entry) => entry.startsWith('.staging-'))).toEqual([]);
  });
});
