import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_URLS, SERVICE_SETTINGS } from '../../cli/src/settings';
import { CLI_URLS, startBanner } from './start-banner.mjs';

const FROM = new Date('2026-12-07T17:00:00Z');
const at = (ports: [number, number, number]) =>
  (['maintenance-planner', 'impact-analyzer', 'notifier'] as const).map((name, index) => ({ name, port: ports[index], baseUrl: `http://127.0.0.1:${ports[index]}` }));

/** What bash makes of the banner's `export` lines pasted into it, with `env` set: each variable named, as the shell then holds it. */
function pasted(lines: string[], env: Record<string, string>, names: string[]): Record<string, string> {
  const exports = lines.filter((line) => line.trimStart().startsWith('export ')).join('\n');
  const said = execFileSync('bash', ['-c', `${exports}\n${names.map((name) => `printf '%s\\n' "$${name}"`).join('\n')}`], { env: { PATH: process.env.PATH, ...env }, encoding: 'utf8' });
  return Object.fromEntries(said.trimEnd().split('\n').map((value, index) => [names[index], value]));
}

describe("npm start's banner", () => {
  it("exports the admin key from HOLDFAST_BOOTSTRAP_KEY with a line bash takes as it is pasted, never printing the key", () => {
    const lines = startBanner({ services: at([3001, 3002, 3003]), keyFile: undefined, from: FROM, env: {} });
    expect(lines).toContain('  export HOLDFAST_KEY="$HOLDFAST_BOOTSTRAP_KEY"');
    expect(pasted(lines, { HOLDFAST_BOOTSTRAP_KEY: 'hf_bootstrap_s3cr3t with space' }, ['HOLDFAST_KEY'])).toEqual({ HOLDFAST_KEY: 'hf_bootstrap_s3cr3t with space' });
  });

  it('exports the generated admin key by reading its file, a quote in its path included', () => {
    const folder = mkdtempSync(join(tmpdir(), "holdfast o'start-"));
    const keyFile = join(folder, 'bootstrap-key');
    writeFileSync(keyFile, 'hf_bootstrap_kept\n');
    const lines = startBanner({ services: at([3001, 3002, 3003]), keyFile, from: FROM, env: {} });
    expect(lines.join('\n')).not.toContain('hf_bootstrap_kept');
    expect(pasted(lines, {}, ['HOLDFAST_KEY'])).toEqual({ HOLDFAST_KEY: 'hf_bootstrap_kept' });
  });

  it("points the CLI at services on other ports than its defaults, with a line to paste", () => {
    const lines = startBanner({ services: at([4001, 3002, 4003]), keyFile: undefined, from: FROM, env: {} });
    expect(lines).toContain('the CLI (npx holdfast) calls the maintenance-planner at http://localhost:3001 (its default) and the notifier at http://localhost:3003 (its default) unless told; point it at these services:');
    expect(pasted(lines, {}, ['HOLDFAST_PLANNER_URL', 'HOLDFAST_ANALYZER_URL', 'HOLDFAST_NOTIFIER_URL'])).toEqual({
      HOLDFAST_PLANNER_URL: 'http://127.0.0.1:4001',
      HOLDFAST_ANALYZER_URL: 'http://127.0.0.1:3002',
      HOLDFAST_NOTIFIER_URL: 'http://127.0.0.1:4003',
    });
  });

  it("says nothing of the CLI's URLs where it finds these services already, and names a variable of this shell that sends it elsewhere", () => {
    expect(startBanner({ services: at([3001, 3002, 3003]), keyFile: undefined, from: FROM, env: { HOLDFAST_NOTIFIER_URL: 'http://127.0.0.1:3003/', HOLDFAST_ANALYZER_URL: '' } }).join('\n')).not.toContain('HOLDFAST_PLANNER_URL');
    const elsewhere = startBanner({ services: at([3001, 3002, 3003]), keyFile: undefined, from: FROM, env: { HOLDFAST_PLANNER_URL: 'https://planner.example.org' } });
    expect(elsewhere).toContain('the CLI (npx holdfast) calls the maintenance-planner at https://planner.example.org (HOLDFAST_PLANNER_URL) unless told; point it at these services:');
  });

  it("knows the CLI's defaults and variables as the CLI has them", () => {
    expect(CLI_URLS).toEqual(SERVICE_SETTINGS.map(([service, , variable]) => ({ service, variable, url: DEFAULT_URLS[service] })));
  });
});
