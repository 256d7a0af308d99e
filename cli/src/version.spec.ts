import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from './cli-io';
import { run } from './main';
import { specIo } from './testing/stand-in-service';
import { CLI_VERSION } from './version';

describe('holdfast --version', () => {
  it("prints the CLI's version, the one its package.json has, and the Node it runs on", async () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string };
    expect(CLI_VERSION).toBe(version);
    for (const flag of ['--version', '-V']) {
      const { io, said } = specIo();
      expect(await run([flag], io)).toBe(ExitCode.ok);
      expect(said.out).toBe(`holdfast ${version} (Node ${process.versions.node})\n`);
    }
  });
});
