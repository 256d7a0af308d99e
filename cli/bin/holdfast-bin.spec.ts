import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { closeStandIns, standInService } from '../src/testing/stand-in-service';

const run = promisify(execFile);
const BIN = join(__dirname, 'holdfast.mjs');

/** The launcher run with its standard output's reader gone before it writes, as `holdfast ... | head` leaves it once head has its lines. */
function runWithoutReader(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((ended) => child.on('close', (code) => ended({ code, stderr })));
}

/** The launcher with `line` written to its standard input, left open when `close` is false (a terminal after Enter). */
function runWithInput(args: readonly string[], line: string, close: boolean): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  child.stdin.write(line);
  if (close) child.stdin.end();
  return new Promise((ended) =>
    child.on('close', (code) => {
      child.stdin.destroy();
      ended({ code, stdout, stderr });
    }),
  );
}

describe('the holdfast launcher', () => {
  afterEach(closeStandIns);

  it('runs the CLI on this Node', async () => {
    const { stdout } = await run(process.execPath, [BIN, '--help']);
    expect(stdout).toMatch(/^holdfast: plan maintenance windows/);
  });

  it('reads --key - from its standard input, one line, and ends without waiting for more; none given exits 2', async () => {
    const planner = await standInService(() => ({ body: { allowed: true } }));
    const gate = ['gate', '--regions', 'IR', '--key', '-', '--planner-url', planner.url];
    expect(await runWithInput(gate, 'hf_0123456789abcdef_piped\r\n', true)).toEqual({ code: 0, stdout: 'allowed: nothing holds regions IR now\n', stderr: '' });
    expect(await runWithInput(gate, 'hf_0123456789abcdef_typed\n', false)).toMatchObject({ code: 0 });
    expect(planner.authorizations).toEqual(['Bearer hf_0123456789abcdef_piped', 'Bearer hf_0123456789abcdef_typed']);
    expect(await runWithInput(gate, '', true)).toEqual({ code: 2, stdout: '', stderr: 'holdfast: --key - reads the API key from standard input, which gave none: pipe it in, as in --key - < file\n' });
  }, 20_000);

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

  it("shows a time that belongs to no region in UTC, naming TZ, when TZ names no zone, where Node knows no zone name", async () => {
    const ID = '0190e0c8-0000-7000-8000-00000000000a';
    const subscription = { id: ID, channel: 'webhook', target: 'https://hooks.example.org/holdfast', ownerTeam: 'network-ops', hasSecret: true, description: null, enabled: true, filters: { eventTypes: [], regions: [], teams: [], windowIds: [] }, createdBy: 'team:network-ops', createdAt: '2026-12-01T08:00:00.000Z', updatedAt: '2026-12-07T12:00:00.000Z', previousSecrets: [{ until: '2026-12-07T17:14:00.000Z' }] };
    const notifier = await standInService(() => ({ body: subscription }));
    const { stdout } = await run(process.execPath, [BIN, 'subscriptions', 'show', ID, '--notifier-url', notifier.url], { env: { ...process.env, TZ: 'Asia/Tehrn' } });
    expect(stdout).toContain('also signs until 2026-12-07 17:14 UTC (2026-12-07 17:14 UTC: TZ Asia/Tehrn is not an IANA time zone such as Europe/Berlin)\n');
  });

  it('ends quietly with the exit code of its answer when the reader of its output has gone', async () => {
    expect(await runWithoutReader(['--help'])).toEqual({ code: 0, stderr: '' });
    const hold = { id: '0193a0b0-0000-7000-8000-000000000001', regions: ['IR'], reason: 'election night', source: 'manual', from: '2026-06-12T20:00:00.000Z', until: null };
    const planner = await standInService(({ url }) =>
      url === '/v1/regions' ? { body: { items: [] } } : { status: 423, body: { type: 'https://holdfast.dev/problems/held', title: 'Locked', status: 423, code: 'held', detail: 'regions IR are held', holds: [hold] } },
    );
    // A held gate stays held (3) for `set -o pipefail` and for a job that reads its status, not 0 or a crash's 1.
    expect(await runWithoutReader(['gate', '--regions', 'IR', '--planner-url', planner.url])).toEqual({ code: 3, stderr: '' });
  });
});
