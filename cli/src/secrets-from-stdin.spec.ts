import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from './cli-io';
import { helpText, run } from './main';
import { closeStandIns, newRunKey, specIo, standInService } from './testing/stand-in-service';

const ID = '0190e0c8-0000-7000-8000-00000000000a';
const KEY = 'hf_0123456789abcdef_s3cr3t';
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const rotated = { id: ID, channel: 'webhook', ownerTeam: 'payments', target: 'https://hooks.example.org/holdfast', secret: SECRET, previousSecretUntil: null };

/** The CLI with `stdin` piped in, against one stand-in for all three services answering `body`. */
async function holdfast(args: readonly string[], stdin: string, body: unknown = { allowed: true }, files: Record<string, string> = {}) {
  const service = await standInService(() => ({ body }));
  const { io, said } = specIo(files, stdin);
  const code = await run([...args, '--planner-url', service.url, '--notifier-url', service.url], io);
  return { code, said, asked: service.asked, keys: service.authorizations };
}

describe('secrets kept off the command line: `-` reads one from standard input', () => {
  afterEach(closeStandIns);

  it('sends the key read from standard input with --key -, its line break dropped', async () => {
    const { code, said, keys } = await holdfast(['gate', '--regions', 'IR', '--key', '-'], `${KEY}\n`);
    expect(code, said.err).toBe(ExitCode.ok);
    expect(keys).toEqual([`Bearer ${KEY}`]);
    expect(said.linesRead).toBe(1);
  });

  it('rotates to the secret read from standard input, and subscribes with one over the file', async () => {
    const rotation = await holdfast(['subscriptions', 'rotate-secret', ID, '--secret', '-', '--overlap', '0'], `${SECRET}\r\nignored second line\n`, rotated);
    expect(rotation.code, rotation.said.err).toBe(ExitCode.ok);
    expect(rotation.asked).toEqual([{ method: 'POST', url: `/v1/subscriptions/${ID}/secret/rotate`, body: { overlapHours: 0, secret: SECRET }, idempotencyKey: expect.stringMatching(newRunKey('subscriptions rotate-secret')) }]);
    const files = { 'subscription.yaml': 'channel: webhook\ntarget: https://hooks.example.org/holdfast\nownerTeam: payments\n' };
    const created = await holdfast(['subscriptions', 'create', '--file', 'subscription.yaml', '--secret', '-'], `${SECRET}\n`, rotated, files);
    expect(created.code, created.said.err).toBe(ExitCode.ok);
    expect(created.asked).toEqual([{ method: 'POST', url: '/v1/subscriptions', body: { channel: 'webhook', target: 'https://hooks.example.org/holdfast', ownerTeam: 'payments', secret: SECRET }, idempotencyKey: expect.stringMatching(newRunKey('subscriptions create')) }]);
  });

  it('exits 2 without a call when standard input gives no secret, or when two flags would read it', async () => {
    for (const [args, stdin, message] of [
      [['gate', '--regions', 'IR', '--key', '-'], '', '--key - reads the API key from standard input, which gave none: pipe it in, as in --key - < file'],
      [['subscriptions', 'rotate-secret', ID, '--secret', '-'], '\n', '--secret - reads the secret from standard input, which gave none: pipe it in, as in --secret - < file'],
      [['subscriptions', 'rotate-secret', ID, '--secret', '-', '--key', '-'], `${SECRET}\n`, '--key - and --secret - would both read standard input: give the key in HOLDFAST_KEY instead'],
      [['subscriptions', 'update', ID, '--target', '-', '--key', '-'], 'https://hooks.slack.com/services/T0/B0/X\n', '--key - and --target - would both read standard input: give the key in HOLDFAST_KEY instead'],
      [['subscriptions', 'update', ID, '--secret', '-', '--target', '-'], `${SECRET}\n`, '--secret - and --target - would both read standard input: give one of them in --file instead'],
      [['subscriptions', 'update', ID, '--secret', '-'], '', '--secret - reads the secret from standard input, which gave none: pipe it in, as in --secret - < file'],
    ] as const) {
      const { code, said, asked } = await holdfast(args, stdin, rotated);
      expect(code, args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
      expect(asked).toEqual([]);
    }
  });

  it('still takes a secret written on the command line, reading no standard input', async () => {
    const { code, asked, said } = await holdfast(['subscriptions', 'rotate-secret', ID, '--secret', SECRET], '', rotated);
    expect(code).toBe(ExitCode.ok);
    expect(asked[0].body).toEqual({ secret: SECRET });
    expect(said.linesRead).toBe(0);
  });

  it('says in help that the environment and standard input are safer than the command line', async () => {
    expect(helpText()).toMatch(/--key - +HOLDFAST_KEY +\(the API key, sent as a bearer token; safer in HOLDFAST_KEY or read from\n +standard input with --key -: a key written after --key shows in ps and shell history\)/);
    for (const command of ['rotate-secret', 'create']) {
      const { io, said } = specIo();
      expect(await run(['subscriptions', command, '--help'], io)).toBe(ExitCode.ok);
      expect(said.out).toMatch(/^usage: holdfast subscriptions \S+ .*\[--secret -\]$/m);
      expect(said.out).toContain("--secret whsec_... works too, but ps and the shell's history show it");
    }
  });
});
