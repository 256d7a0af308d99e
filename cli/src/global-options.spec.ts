import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from './cli-io';
import { helpText, run } from './main';
import { holdfastApi } from './client/holdfast-api';
import { closeStandIns, specIo, standInService } from './testing/stand-in-service';

/** The 12 hex digits a command's keys carry for what it acts on, as README documents them: the SHA-256 of its words. */
const digest = (words: string) => createHash('sha256').update(words).digest('hex').slice(0, 12);

const hold = { id: '0193a0b0-0000-7000-8000-000000000001', regions: ['IR'], reason: 'election night', source: 'manual', from: '2026-06-12T20:00:00.000Z', until: null, placedAt: '2026-06-12T19:00:00.000Z' };

describe('options for every command, written before it', () => {
  afterEach(closeStandIns);

  it('reads --planner-url, --json and --key before the command as after it', async () => {
    const planner = await standInService(() => ({ body: { items: [hold], nextCursor: null } }));
    for (const args of [
      ['--planner-url', planner.url, '--json', 'holds'],
      [`--planner-url=${planner.url}`, '--key', 'hf_before', '--json', 'holds', 'list'],
      ['--json', 'holds', 'list', '--planner-url', planner.url],
    ]) {
      const { io, said } = specIo();
      expect(await run(args, io), `${args.join(' ')}: ${said.err}`).toBe(ExitCode.ok);
      expect(JSON.parse(said.out)).toEqual({ items: [hold], nextCursor: null });
    }
    expect(planner.asked.map(({ url }) => url)).toEqual(Array(3).fill('/v1/holds?limit=500'));
    expect(planner.authorizations).toEqual(['Bearer spec-key', 'Bearer hf_before', 'Bearer spec-key']);
  });

  it("sends keys made from --idempotency-key (or HOLDFAST_IDEMPOTENCY_KEY) and the command with each POST, numbering the later ones, and with no other method; refuses one no header could carry", async () => {
    const planner = await standInService((asked) => (asked.method === 'POST' ? { status: 201, body: hold } : { body: { items: [], nextCursor: null } }));
    const declare = ['holds', 'declare', '--regions', 'IR', '--from', '2026-06-12T20:00:00Z', '--reason', 'election night', '--planner-url', planner.url];
    const first = specIo();
    expect(await run([...declare, '--idempotency-key', 'deploy-4711'], first.io), first.said.err).toBe(ExitCode.ok);
    const fromEnvironment = specIo();
    fromEnvironment.io.env.HOLDFAST_IDEMPOTENCY_KEY = 'deploy-4712';
    expect(await run([...declare, '--json'], fromEnvironment.io), fromEnvironment.said.err).toBe(ExitCode.ok);
    const list = specIo();
    expect(await run(['holds', '--planner-url', planner.url, '--idempotency-key', 'deploy-4713'], list.io)).toBe(ExitCode.ok);
    // Declaring reads the windows the hold took after its POST.
    expect(planner.asked.map(({ method, idempotencyKey }) => [method, idempotencyKey])).toEqual([
      ['POST', `deploy-4711/holds-declare/${digest('--regions IR')}`],
      ['GET', undefined],
      ['POST', `deploy-4712/holds-declare/${digest('--regions IR')}`],
      ['GET', undefined],
      ['GET', undefined],
    ]);

    // One command's POSTs, to any service: the first gets the command's key, the second that key and /2.
    const api = holdfastApi({ urls: { 'maintenance-planner': planner.url, 'impact-analyzer': planner.url, notifier: planner.url }, key: 'k', requestTimeoutMs: 5_000, idempotencyKey: 'run-9', retries: 0 });
    await api.planner.POST('/v1/holds', { body: { regions: ['IR'], from: '2026-06-12T20:00:00Z', reason: 'one' } });
    await api.analyzer.POST('/v1/declarations', { body: { regions: ['IR'], from: '2026-06-12T20:00:00Z', until: '2026-06-13T20:00:00Z', reason: 'two' } });
    expect(planner.asked.slice(-2).map(({ idempotencyKey }) => idempotencyKey)).toEqual(['run-9', 'run-9/2']);

    const spaced = specIo();
    expect(await run([...declare, '--idempotency-key', 'two words'], spaced.io)).toBe(ExitCode.usage);
    expect(spaced.said.err).toBe('holdfast: --idempotency-key must be 1-200 visible ASCII characters, no spaces (a UUID, or a name such as deploy-4711-hold)\n');
  });

  it('gives each command of a job its own keys from one HOLDFAST_IDEMPOTENCY_KEY, and the same command run again the same ones', async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const planner = await standInService(({ url }) => ({ body: { number: 1, status: url.endsWith('/start') ? 'in-progress' : 'completed', startsAt: hold.from, endsAt: '2026-06-12T21:00:00.000Z', localTimes: [] } }));
    const job = async (args: string[]) => {
      const { io, said } = specIo();
      io.env.HOLDFAST_IDEMPOTENCY_KEY = 'deploy-4711';
      expect(await run([...args, '--planner-url', planner.url], io), said.err).toBe(ExitCode.ok);
      return planner.asked.at(-1)!.idempotencyKey;
    };
    const started = await job(['windows', 'start', WINDOW, '--occurrence', '1']);
    const completed = await job(['windows', 'complete', WINDOW, '--occurrence', '1']);
    // Before, both carried deploy-4711, and the planner refused the completion as the key's reuse for another request.
    expect(started).toBe(`deploy-4711/windows-start/${digest(`${WINDOW} --occurrence 1`)}`);
    expect(completed).toBe(`deploy-4711/windows-complete/${digest(`${WINDOW} --occurrence 1`)}`);
    expect(await job(['windows', 'start', WINDOW, '--occurrence', '1'])).toBe(started);
    expect(await job(['windows', 'start', WINDOW, '--occurrence', '2'])).not.toBe(started);

    // The longest key a person may give still fits the services' 255 characters with the longest command, and its later POSTs.
    const longest = specIo();
    longest.io.env.HOLDFAST_IDEMPOTENCY_KEY = 'k'.repeat(200);
    await run(['subscriptions', 'rotate-secret', WINDOW, '--notifier-url', planner.url], longest.io);
    expect(`${planner.asked.at(-1)!.idempotencyKey}/1000`.length).toBeLessThanOrEqual(255);
  });

  it('takes the one written after the command when an option is given on both sides', async () => {
    const planner = await standInService(() => ({ body: { items: [], nextCursor: null } }));
    const { io, said } = specIo();
    expect(await run(['--planner-url', 'http://127.0.0.1:9', 'holds', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.out).toBe('(none)\n');
  });

  it('gives help for what follows --help, and the command list for --help alone', async () => {
    const group = specIo();
    expect(await run(['--help', 'windows'], group.io)).toBe(ExitCode.ok);
    expect(group.said.out).toContain('usage: holdfast windows show');
    const alone = specIo();
    expect(await run(['--json', '-h'], alone.io)).toBe(ExitCode.ok);
    expect(alone.said.out).toBe(helpText());
  });

  it("exits 2 naming an option before the command that is not for every command, and asks for the command when none follows", async () => {
    for (const [args, message] of [
      [['--url', 'http://planner.internal', 'windows', 'list'], 'unknown option --url before the command'],
      [['--regions', 'IR', 'gate'], 'unknown option --regions before the command'],
      [['--colour=always', 'holds'], 'unknown option --colour before the command'],
    ] as const) {
      const { io, said } = specIo();
      expect(await run(args, io), args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}: only the options for every command go there (holdfast --help lists them); give a command's own options after it\n`);
    }
    const none = specIo();
    expect(await run(['--json', '--key', '-'], none.io)).toBe(ExitCode.usage);
    expect(none.said.err).toBe('holdfast: give a command after --json --key; run holdfast --help for the list\n');
    expect(none.said.linesRead).toBe(0);
  });
});
