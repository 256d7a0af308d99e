import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(__dirname, 'holdfast.mjs');

describe('the holdfast launcher', () => {
  it('runs the CLI on this Node', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    expect(stdout).toMatch(/^holdfast: plan maintenance windows/);
  });

  it('tells a Node older than 24 what to run instead of failing to load', async () => {
    // The same binary, made to report an old version before the launcher reads it.
    const older = join(mkdtempSync(join(tmpdir(), 'holdfast-bin-')), 'node-20.cjs');
    writeFileSync(older, "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });\n");
    const failed = await run(process.execPath, ['--require', older, BIN, 'gate', '--regions', 'IR']).catch((error: { code: number; stdout: string; stderr: string }) => error);
    expect(failed).toMatchObject({
      code: 1,
      stdout: '',
      stderr:
        'holdfast: needs Node 24 or later, and this is Node 20.20.2. From the clone, run it as "npx holdfast ...", which uses the Node 24 that npm ci installs into node_modules (not with --ignore-scripts, which skips it); or put Node 24 first on the PATH.\n',
    });
  });
});
