import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from './cli-io';
import { run } from './main';
import { closeStandIns, specIo, standInService } from './testing/stand-in-service';

const SECRET = 'hf_0123456789abcdef_s3cr3t';

/** The CLI run with `env` over the spec's, against a planner that allows everything and records what it was asked. */
async function holdfast(args: readonly string[], env: Record<string, string> = {}) {
  const planner = await standInService(() => ({ body: { allowed: true } }));
  const { io, said } = specIo();
  io.env = { HOLDFAST_PLANNER_URL: planner.url, ...env };
  const code = await run(args, io);
  return { code, said, asked: planner.asked };
}

describe('holdfast connection settings, checked before any call', () => {
  afterEach(closeStandIns);

  it('exits 2 naming where a key no HTTP header can carry came from, and never prints the key', async () => {
    for (const [args, env, source] of [
      [['--key', `${SECRET}\nsecond line`], {}, '--key'],
      [[], { HOLDFAST_KEY: `${SECRET.slice(0, 10)}\u201c${SECRET.slice(10)}` }, 'HOLDFAST_KEY'],
    ] as const) {
      for (const wait of [[], ['--wait']]) {
        const { code, said, asked } = await holdfast(['gate', '--regions', 'IR', ...wait, ...args], env);
        expect(said.err + said.out).not.toContain(SECRET.slice(10));
        expect(said.err).toMatch(new RegExp(`^holdfast: the key from ${source} holds a character an HTTP header cannot carry \\(at position \\d+\\): copy the key again\\n$`));
        expect(code).toBe(ExitCode.usage);
        expect(asked).toEqual([]);
      }
    }
  });

  it('takes a key with a line break at its end, as a file read into a variable often has', async () => {
    const { code, asked } = await holdfast(['gate', '--regions', 'IR'], { HOLDFAST_KEY: `${SECRET}\n` });
    expect(code).toBe(ExitCode.ok);
    expect(asked).toHaveLength(1);
  });

  it('exits 2 naming the flag or variable when a service URL is not an http(s) URL, without waiting it out', async () => {
    for (const [args, env, message] of [
      [['--planner-url', 'planner.internal'], {}, '--planner-url planner.internal is not an http(s) URL such as http://localhost:3001'],
      [[], { HOLDFAST_PLANNER_URL: 'localhost:3001' }, 'HOLDFAST_PLANNER_URL localhost:3001 is not an http(s) URL such as http://localhost:3001'],
      [['--notifier-url', 'ftp://notifier.internal'], {}, '--notifier-url ftp://notifier.internal is not an http(s) URL such as http://localhost:3003'],
    ] as const) {
      const { code, said } = await holdfast(['gate', '--regions', 'IR', '--wait', ...args], env);
      expect(code).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
      expect(said.sleptMs).toEqual([]);
    }
  });

  it('exits 2 on a URL holding a password, without printing it: the key goes in --key or HOLDFAST_KEY', async () => {
    const { code, said } = await holdfast(['surges', '--analyzer-url', `http://ci:${SECRET}@127.0.0.1:9`]);
    expect(said.err).not.toContain(SECRET);
    expect(said.err).toBe('holdfast: --analyzer-url holds a user name or password, which Holdfast does not take: give the key with --key or HOLDFAST_KEY\n');
    expect(code).toBe(ExitCode.usage);
  });
});
