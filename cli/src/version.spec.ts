import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from './cli-io';
import { run } from './main';
import { specIo, standInService } from './testing/stand-in-service';
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

  it('exits 2 naming it when given with a command, before or after it, rather than running the command', async () => {
    const planner = await standInService(() => ({ body: { items: [], nextCursor: null } }));
    for (const args of [
      ['--version', 'windows', 'list'],
      ['-V', 'holds'],
      ['windows', 'list', '-V'],
      ['holds', 'list', '--version'],
    ]) {
      const { io, said } = specIo();
      expect(await run([...args, '--planner-url', planner.url], io), args.join(' ')).toBe(ExitCode.usage);
      const flag = args.find((word) => word.startsWith('-'));
      expect(said.err).toBe(`holdfast: ${flag} prints the CLI's version and takes no command: run holdfast ${flag} alone\n`);
      expect(said.out).toBe('');
    }
    expect(planner.asked).toEqual([]);
    await planner.close();
  });
});
