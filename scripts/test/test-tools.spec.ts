import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTestTools, missingTools, onPath, TEST_TOOLS } from './test-tools.mjs';

const tool = (program: string) => TEST_TOOLS.find((entry) => entry.program === program)!;

describe('the Debian tools npm test installs', () => {
  it('finds an executable on PATH, and not a file that cannot run or a folder not on PATH', () => {
    const folder = mkdtempSync(join(tmpdir(), 'holdfast-tools-'));
    try {
      writeFileSync(join(folder, 'runs'), '#!/bin/sh\n');
      chmodSync(join(folder, 'runs'), 0o755);
      writeFileSync(join(folder, 'plain'), 'not a program');
      expect(onPath('runs', `/nonexistent:${folder}`)).toBe(true);
      expect(onPath('plain', folder)).toBe(false);
      expect(onPath('runs', '/nonexistent')).toBe(false);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('counts a tool present when it is on PATH or its variable names another build', () => {
    const has = (program: string) => ['java', 'mvn', 'curl', 'jq'].includes(program);
    const missing = missingTools(TEST_TOOLS, { has, env: { HOLDFAST_CHROMIUM: '/opt/chromium/chrome' } });
    expect(missing.map((entry) => entry.program)).toEqual(['prometheus', 'prometheus-alertmanager', 'docker-compose']);
  });

  it('installs what is missing with apt-get when it runs as root, naming each tool and what needs it', () => {
    const lines: string[] = [];
    const calls: string[][] = [];
    const still = ensureTestTools((line: string) => lines.push(line), {
      missing: [tool('chromium'), tool('prometheus')],
      isRoot: true,
      hasAptGet: true,
      run: ((program: string, args: string[]) => {
        calls.push([program, ...args]);
        return { status: 0 };
      }) as never,
    });
    expect(calls).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'chromium', 'prometheus'],
    ]);
    expect(lines[0]).toBe("missing chromium (Debian package chromium), needed by the calendar page's browser spec");
    expect(lines).toContain('installing chromium prometheus with apt-get (a minute or two on a fresh machine)');
    // This machine's own PATH decides what is still missing afterwards; the list holds only tools that were asked for.
    expect(still.every((entry) => ['chromium', 'prometheus'].includes(entry.program))).toBe(true);
  });

  it('installs nothing without root, and says the line to run', () => {
    const lines: string[] = [];
    const still = ensureTestTools((line: string) => lines.push(line), {
      missing: [tool('docker-compose')],
      isRoot: false,
      hasAptGet: true,
      run: (() => {
        throw new Error('apt-get must not run without root');
      }) as never,
    });
    expect(still.map((entry) => entry.program)).toEqual(['docker-compose']);
    expect(lines.at(-1)).toContain('Run: sudo apt-get update && apt-get install -y --no-install-recommends docker-compose');
  });

  it('says which step failed and what to run when apt-get fails', () => {
    const lines: string[] = [];
    ensureTestTools((line: string) => lines.push(line), {
      missing: [tool('mvn')],
      isRoot: true,
      hasAptGet: true,
      run: (() => ({ status: 100 })) as never,
    });
    expect(lines.at(-1)).toMatch(/^apt-get update failed \(exit 100\): run apt-get update && apt-get install .* maven by hand/);
  });
});
