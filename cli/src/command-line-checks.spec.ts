import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExitCode } from './cli-io';
import { helpText, run } from './main';
import { closeStandIns, specIo, standInService, type Answer } from './testing/stand-in-service';

const WINDOW = '0190e0c8-0000-7000-8000-000000000001';

/** The CLI against one stand-in for all three services, answering every call with `answer`. */
async function holdfast(args: readonly string[], answer: Answer = { body: { items: [], nextCursor: null } }, files: Record<string, string> = {}) {
  const service = await standInService(() => answer);
  const { io, said } = specIo(files);
  const code = await run([...args, '--planner-url', service.url, '--analyzer-url', service.url, '--notifier-url', service.url], io);
  return { code, said, url: service.url, calls: service.asked.map(({ method, url }) => `${method} ${url}`) };
}

describe('holdfast help', () => {
  it("shows every subcommand of a group for `holdfast windows --help`, not the default subcommand's usage alone", async () => {
    const { io, said } = specIo();
    expect(await run(['windows', '--help'], io)).toBe(ExitCode.ok);
    for (const name of ['list', 'show', 'create', 'update', 'cancel', 'occurrences', 'start', 'complete', 'suggestions']) expect(said.out).toContain(`usage: holdfast windows ${name}`);
    expect(said.err).toBe('');
    const one = specIo();
    expect(await run(['windows', 'list', '--help'], one.io)).toBe(ExitCode.ok);
    expect(one.said.out).toMatch(/^usage: holdfast windows list /);
    expect(one.said.out).not.toContain('usage: holdfast windows show');
  });

  it('`holdfast help gate` is `holdfast gate --help`; an unknown name is a usage error', async () => {
    const asked = specIo();
    const flagged = specIo();
    expect(await run(['help', 'gate'], asked.io)).toBe(ExitCode.ok);
    expect(await run(['gate', '--help'], flagged.io)).toBe(ExitCode.ok);
    expect(asked.said.out).toMatch(/^usage: holdfast gate \(--window ID \| --regions IR,NP\)/);
    expect(asked.said.out).toBe(flagged.said.out);
    const unknown = specIo();
    expect(await run(['help', 'frobnicate'], unknown.io)).toBe(ExitCode.usage);
    expect(unknown.said.err).toBe('holdfast: unknown command "frobnicate"; run holdfast --help for the list\n');
    const flagOnly = specIo();
    expect(await run(['--json'], flagOnly.io)).toBe(ExitCode.usage);
    expect(flagOnly.said.err).toBe('holdfast: give a command after --json; run holdfast --help for the list\n');
  });

  it('prints the command list to stderr with exit 2 when no command is given, and to stdout with 0 when help is asked for', async () => {
    const bare = specIo();
    expect(await run([], bare.io)).toBe(ExitCode.usage);
    expect(bare.said).toMatchObject({ out: '', err: helpText() });
    for (const asked of [['help'], ['--help'], ['-h']]) {
      const { io, said } = specIo();
      expect(await run(asked, io)).toBe(ExitCode.ok);
      expect(said).toMatchObject({ out: helpText(), err: '' });
    }
  });
});

describe('holdfast command line: flags checked before any call', () => {
  afterEach(closeStandIns);

  it('exits 2 naming the flag and the values it takes when a status or source is mistyped', async () => {
    for (const [args, message] of [
      [['windows', 'occurrences', WINDOW, '--status', 'hled'], '--status must be one of scheduled, held, needs-reschedule, in-progress, completed, missed, cancelled, not hled'],
      [['surges', '--status', 'actve'], '--status must be one of active, cleared, not actve'],
      [['surges', 'list', '--source', 'detecter'], '--source must be one of detector, alert, declaration, not detecter'],
      [['deliveries', '--status', 'failed'], '--status must be one of pending, sending, delivered, dead, cancelled, not failed'],
    ] as const) {
      const { code, said, calls } = await holdfast(args);
      expect(code, args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
      expect(calls).toEqual([]);
    }
    const taken = await holdfast(['windows', 'occurrences', WINDOW, '--status', 'missed']);
    expect(taken.code).toBe(ExitCode.ok);
    expect(taken.calls).toEqual([`GET /v1/windows/${WINDOW}/occurrences?status=missed&limit=2000`]);
  });

  it('exits 2 saying what an id looks like when one is malformed, in an argument or a flag, before any call', async () => {
    const uuid = (kind: string, listed: string, shows = 'shows') => `"not-an-id" is not a ${kind} id: an id is a UUID, such as 0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b (${listed} ${shows} them)`;
    const byArgument = [
      ['windows show', 'window', 'holdfast windows list'],
      ['windows update', 'window', 'holdfast windows list', '--title', 'x'],
      ['windows cancel', 'window', 'holdfast windows list', '--reason', 'x'],
      ['windows occurrences', 'window', 'holdfast windows list'],
      ['windows start', 'window', 'holdfast windows list'],
      ['windows complete', 'window', 'holdfast windows list'],
      ['windows suggestions', 'window', 'holdfast windows list'],
      ['windows skip', 'window', 'holdfast windows list', '--occurrence', '2'],
      ['holds release', 'hold', 'holdfast holds list', '--reason', 'x'],
      ['holds show', 'hold', 'holdfast holds list'],
      ['holds override', 'window', 'holdfast windows list', '--reason', 'x'],
      ['explain', 'window', 'holdfast windows list'],
      ['surges show', 'surge', 'holdfast surges list'],
      ['declarations show', 'declaration', 'holdfast declarations list'],
      ['declarations cancel', 'declaration', 'holdfast declarations list'],
      ['subscriptions show', 'subscription', 'holdfast subscriptions list'],
      ['subscriptions update', 'subscription', 'holdfast subscriptions list', '--enabled', 'false'],
      ['subscriptions rotate-secret', 'subscription', 'holdfast subscriptions list'],
      ['subscriptions test', 'subscription', 'holdfast subscriptions list'],
      ['subscriptions delete', 'subscription', 'holdfast subscriptions list'],
      ['deliveries replay', 'delivery', 'holdfast deliveries list'],
    ];
    for (const [command, kind, listed, ...flags] of byArgument) {
      const { code, said, calls } = await holdfast([...command.split(' '), 'not-an-id', ...flags]);
      expect(code, command).toBe(ExitCode.usage);
      expect(said.err, command).toMatch(new RegExp(`^holdfast: ${uuid(kind, listed).replace(/[()]/g, '\\$&')}\nusage: holdfast ${command} `));
      expect(calls, command).toEqual([]);
    }
    for (const [args, message] of [
      [['gate', '--window', 'not-an-id'], `--window ${uuid('window', 'holdfast windows list')}`],
      [['deliveries', '--subscription', 'not-an-id'], `--subscription ${uuid('subscription', 'holdfast subscriptions list')}`],
      [['deliveries', 'replay', '--subscription', 'not-an-id'], `--subscription ${uuid('subscription', 'holdfast subscriptions list')}`],
      [['audit', '--subject', 'not-an-id'], `--subject ${uuid('window or hold', 'holdfast windows list and holdfast holds list', 'show')}`],
      [['keys', 'revoke', 'not-an-id', '--reason', 'x'], '"not-an-id" is not a key id: a key id is 16 lower-case hex digits, such as 3f9a1c0e5b7d2a48, or its prefix hf_3f9a1c0e5b7d2a48 (holdfast keys list shows them)\nusage: holdfast keys revoke KEY_ID --reason TEXT'],
    ] as const) {
      const { code, said, calls } = await holdfast(args);
      expect(code, args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
      expect(calls).toEqual([]);
    }
    // An id in upper case, and a key by its prefix, are taken as the services take them.
    expect((await holdfast(['windows', 'show', WINDOW.toUpperCase()], { body: {} })).calls).toEqual([`GET /v1/windows/${WINDOW.toUpperCase()}`]);
    expect((await holdfast(['keys', 'revoke', 'hf_0123456789abcdef', '--reason', 'rotated'], { body: {} })).calls).toEqual(['POST /v1/keys/hf_0123456789abcdef/revoke']);
  });

  it('refuses --global with --regions for a window, rather than dropping the regions', async () => {
    for (const args of [
      ['windows', 'create', '--title', 'Router upgrade', '--team', 'network-ops', '--global', '--regions', 'IR', '--start', '2026-06-15T21:00:00Z', '--end', '2026-06-15T22:00:00Z', '--zone', 'UTC'],
      ['windows', 'update', WINDOW, '--version', '2', '--regions', 'IR', '--global'],
    ]) {
      const { code, said, calls } = await holdfast(args);
      expect(code).toBe(ExitCode.usage);
      expect(said.err).toBe('holdfast: give --regions IR,NP or --global, not both: a global window covers every region\n');
      expect(calls).toEqual([]);
    }
  });
});

describe('holdfast command line: flags mistyped or missing', () => {
  afterEach(closeStandIns);

  it('names an unknown flag and the command, suggesting the flag it most likely meant, with the usage line', async () => {
    const create = 'usage: holdfast windows create (--file window.yaml | --title T --team T (--regions IR,NP | --global) --start TIME --end TIME --zone America/Los_Angeles) [--rrule R] [--priority P] [--surge-policy hold]';
    for (const [args, message] of [
      [['windows', 'create', '--title', 'Router upgrade', '--region', 'DE'], `unknown option --region for windows create; did you mean --regions?\n${create}`],
      [['surges', '--stauts', 'active'], 'unknown option --stauts for surges list; did you mean --status?\nusage: holdfast surges [list]'],
      [['holds', 'list', '--actve'], 'unknown option --actve for holds list; did you mean --active?\nusage: holdfast holds list'],
      [['holds', 'list', '--colour=always'], 'unknown option --colour for holds list\nusage: holdfast holds list'],
      [['holds', 'list', '-x'], 'unknown option -x for holds list\nusage: holdfast holds list'],
    ] as const) {
      const { said } = await holdfast(args);
      expect(said.err).toContain(`holdfast: ${message}`);
    }
  });

  it('names each flag a window to plan is missing or has wrong, with the usage line, asking nothing', async () => {
    const plan = ['windows', 'create', '--title', 'Router upgrade', '--team', 'network-ops', '--regions', 'IR', '--start', '2026-12-06T10:00:00Z', '--end', '2026-12-06T11:00:00Z'];
    for (const [args, message] of [
      [['windows', 'create', '--team', 'network-ops'], '--title, --regions (or --global), --start, --end and --zone are required'],
      [plan, '--zone is required'],
      [[...plan, '--zone', 'UTC', '--version', '1'], '--version is for holdfast windows update: a window being planned has no version yet'],
      [[...plan, '--zone', 'UTC', '--priority', 'urgent'], '--priority must be one of routine, important, emergency, not urgent'],
      [[...plan, '--zone', 'UTC', '--surge-policy', 'never'], '--surge-policy must be one of hold, notify-only, exempt, not never'],
      [[...plan, '--zone', 'UTC', '--start', 'tomorrow'], '--start tomorrow is not a time: write it as 2026-12-06T10:00:00Z or 2026-12-06T10:00:00+01:00'],
    ] as const) {
      const { code, said, calls } = await holdfast(args);
      expect(code, args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toContain(`holdfast: ${message}\n`);
      expect(calls).toEqual([]);
    }
    const planner = await standInService(() => ({ body: {} }));
    const { io, said } = specIo({ 'window.yaml': 'title: Router upgrade\nfootprint: { global: true, regions: [] }\n' });
    expect(await run(['windows', 'create', '--file', 'window.yaml', '--start', '2026-12-06T10:00:00Z', '--end', '2026-12-06T11:00:00Z', '--planner-url', planner.url], io)).toBe(ExitCode.usage);
    expect(said.err).toMatch(/^holdfast: --team and --zone are required, or ownerTeam and plannedZone in window.yaml\nusage: holdfast windows create /);
    expect(planner.asked).toEqual([]);
  });

  it("says what is wrong with a flag's value in words, not node's, with the usage line", async () => {
    for (const [args, message] of [
      [['holds', 'release', WINDOW, '--json', '--reason'], '--reason needs a value'],
      [['windows', 'create', '-f'], '-f needs a value'],
      [['holds', 'release', WINDOW, '--reason', '--json'], '--reason has no value before --json: give it one, or write --reason=--json if that is its value'],
      [['holds', 'list', '--json=yes'], '--json takes no value: write --json alone, not --json=yes'],
    ] as const) {
      const { io, said } = specIo();
      await run(args, io);
      expect(said.err).toContain(`holdfast: ${message}\nusage: holdfast ${args[0]} ${args[1]} `);
    }
  });

  it('prints the usage line after a flag or argument a command cannot do without, as for every usage error', async () => {
    for (const [args, message] of [
      [['keys', 'revoke', '0123456789abcdef'], '--reason is required\nusage: holdfast keys revoke KEY_ID --reason TEXT'],
      [['keys', 'revoke', `hf_0123456789abcdef_${'S'.repeat(43)}`, '--reason', 'pasted'], 'that is the whole key, secret included: give only its id, 0123456789abcdef (holdfast keys list shows ids)\nusage: holdfast keys revoke KEY_ID --reason TEXT'],
      [['holds', 'override', WINDOW], '--reason is required\nusage: holdfast holds override WINDOW_ID --reason TEXT [--occurrence N]'],
      [['windows', 'cancel', WINDOW], 'give --reason: the planner records why a window was cancelled\nusage: holdfast windows cancel ID --reason TEXT [--version N]'],
      [['holds', 'declare', '--from', '2026-12-06T10:00:00Z', '--reason', 'election'], '--regions is required\nusage: holdfast holds declare --regions IR,NP --from TIME [--until TIME] --reason TEXT'],
      [['declarations', 'declare', '--regions', 'IR', '--from', '2026-12-06T10:00:00Z', '--reason', 'runoff'], '--until is required\nusage: holdfast declarations declare --regions IR,NP --from TIME --until TIME'],
      [['keys', 'create', '--team', 'network-ops'], '--scopes and --name are required\nusage: holdfast keys create --team T --scopes read,windows:write --name ci'],
      [['keys', 'create', '--team', 'network-ops', '--scopes', 'read'], '--name is required\nusage: holdfast keys create '],
      [['keys', 'create', '--scopes', ',', '--name', 'ci'], '--team and --scopes are required\nusage: holdfast keys create '],
      [['holds', 'declare', '--regions', 'IR'], '--from and --reason are required\nusage: holdfast holds declare '],
      [['holds', 'declare'], '--regions, --from and --reason are required\nusage: holdfast holds declare '],
      [['declarations', 'declare', '--regions', 'IR'], '--from, --until and --reason are required\nusage: holdfast declarations declare '],
      [['declarations', 'declare', '--from', '2026-12-06T10:00:00Z', '--until', '2026-12-07T10:00:00Z', '--reason', 'runoff'], '--regions is required\nusage: holdfast declarations declare '],
      [['subscriptions', 'create'], '--file is required\nusage: holdfast subscriptions create --file subscription.yaml [--secret -]'],
      [['windows', 'show'], 'give the window id\nusage: holdfast windows show ID'],
      [['gate'], 'give exactly one of --window ID or --regions IR,NP\nusage: holdfast gate (--window ID | --regions IR,NP)'],
      [['dead-letters', 'replay'], 'name what to replay with --topic, --since, --until or --reason, or replay every dead letter not replayed yet with --everything\nusage: holdfast dead-letters replay '],
      [['deliveries', 'replay'], 'name what to replay: a delivery ID, --dead (every dead delivery) or --subscription ID (its dead deliveries; its delivered ones with --status delivered)\nusage: holdfast deliveries replay '],
      [['subscriptions', 'update', WINDOW], 'give what to change: --enabled true|false, --target URL, --secret -, --description TEXT or --file changes.yaml\nusage: holdfast subscriptions update ID '],
    ] as const) {
      const { said } = await holdfast(args);
      expect(said.err).toContain(`holdfast: ${message}`);
    }
  });
});

describe('holdfast command line: times', () => {
  afterEach(closeStandIns);

  const window = { windowId: WINDOW, version: 1, title: 'Router upgrade', ownerTeam: 'network-ops', footprint: { global: false, regions: ['DE'] }, startsAt: '2026-12-06T09:00:00Z', endsAt: '2026-12-06T10:00:00Z', plannedZone: 'Europe/Berlin', priority: 'routine', surgePolicy: 'hold', status: 'scheduled' };
  const hold = { id: WINDOW, regions: ['IR'], reason: 'election', source: 'manual', placedAt: '2026-12-06T06:30:00Z', from: '2026-12-06T06:30:00Z', until: null, active: true, releasedAt: null };
  const declaration = { ...hold, until: '2026-12-07T06:30:00Z', severity: 'major', status: 'scheduled', declaredBy: 'platform', declaredAt: '2026-12-05T00:00:00Z', cancelledBy: null, cancelledAt: null };
  /** Each service's answer to what the command asks, by path. */
  const answer = ({ method, url }: { method: string; url: string }): Answer => {
    if (url.startsWith('/v1/windows')) return { body: method === 'GET' ? { items: [], nextCursor: null } : window };
    if (url.startsWith('/v1/holds')) return { body: hold };
    if (url.startsWith('/v1/declarations')) return { body: declaration };
    if (url.startsWith('/v1/dead-letters/replay')) return { body: { replayed: [], messages: 0, remaining: 0, unreplayable: 0 } };
    return { body: { items: [], nextCursor: null } };
  };
  /** What a call sent: its query's fields and its body's. */
  const sent = ({ url, body }: { url: string; body: unknown }) => ({ ...Object.fromEntries(new URL(url, 'http://stand-in').searchParams), ...(body as object) });

  it('sends a time written with any offset as the UTC instant ending in Z that the API takes, for every time flag', async () => {
    const berlin = '2026-12-06T10:00:00+01:00';
    const tehran = '2026-12-06T10:00:00+03:30';
    for (const [args, fields] of [
      [['windows', 'create', '--title', 'Router upgrade', '--team', 'network-ops', '--regions', 'DE', '--zone', 'Europe/Berlin', '--start', berlin, '--end', '2026-12-06T11:00:00+01:00'], { startsAt: '2026-12-06T09:00:00Z', endsAt: '2026-12-06T10:00:00Z' }],
      [['windows', 'update', WINDOW, '--version', '1', '--start', berlin, '--end', '2026-12-06T10:30:00.500z'], { startsAt: '2026-12-06T09:00:00Z', endsAt: '2026-12-06T10:30:00.500Z' }],
      [['windows', 'list', '--from', berlin, '--to', tehran], { from: '2026-12-06T09:00:00Z', to: '2026-12-06T06:30:00Z' }],
      [['audit', '--from', tehran, '--to', '2026-12-06T10:00:00-05:00'], { from: '2026-12-06T06:30:00Z', to: '2026-12-06T15:00:00Z' }],
      [['holds', 'declare', '--regions', 'IR', '--from', tehran, '--until', '2026-12-07T10:00:00+03:30', '--reason', 'election'], { from: '2026-12-06T06:30:00Z', until: '2026-12-07T06:30:00Z' }],
      [['declarations', 'declare', '--regions', 'IR', '--from', tehran, '--until', '2026-12-07T10:00:00+03:30', '--reason', 'runoff'], { from: '2026-12-06T06:30:00Z', until: '2026-12-07T06:30:00Z' }],
      [['dead-letters', '--since', berlin], { since: '2026-12-06T09:00:00Z' }],
      [['dead-letters', 'replay', '--since', berlin, '--until', tehran], { since: '2026-12-06T09:00:00Z', until: '2026-12-06T06:30:00Z' }],
    ] as const) {
      const service = await standInService(answer);
      const { io, said } = specIo();
      await run([...args, '--planner-url', service.url, '--analyzer-url', service.url], io);
      // Past the zones of the regions, and the analyzer's own route that dead-letters reads first to know it answers.
      const call = service.asked.find(({ url }) => url !== '/v1/regions' && url !== '/v1/surges?limit=1')!;
      expect(sent(call), `${args.join(' ')}: ${said.err}`).toMatchObject(fields);
    }
  });

  it('exits 2 on a time without an offset, or a date alone, saying what to write, asking nothing', async () => {
    for (const [args, message] of [
      [['windows', 'create', '--title', 'Router upgrade', '--team', 'network-ops', '--regions', 'DE', '--zone', 'Europe/Berlin', '--start', '2026-12-06T10:00', '--end', '2026-12-06T11:00:00Z'], '--start 2026-12-06T10:00 has no offset: write 2026-12-06T10:00:00Z or 2026-12-06T10:00:00+01:00'],
      [['declarations', 'declare', '--regions', 'IR', '--from', '2026-12-06', '--until', '2026-12-07T00:00:00Z', '--reason', 'runoff'], '--from 2026-12-06 has no time or offset: write 2026-12-06T00:00:00Z or 2026-12-06T00:00:00+01:00'],
      [['dead-letters', '--since', 'yesterday'], '--since yesterday is not a time: write it as 2026-12-06T10:00:00Z or 2026-12-06T10:00:00+01:00'],
    ] as const) {
      const { code, said, calls } = await holdfast(args);
      expect(code, args.join(' ')).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
      expect(calls).toEqual([]);
    }
  });

  it("sends a --file window's times in UTC too, and names the file's field when one has no offset", async () => {
    const service = await standInService(answer);
    const file = 'window.yaml';
    const yaml = 'title: Router upgrade\nownerTeam: network-ops\nfootprint: { global: false, regions: [DE] }\nplannedZone: Europe/Berlin\nstartsAt: 2026-12-06T10:00:00+01:00\nendsAt: "2026-12-06T11:00:00+01:00"\nflexibility: { earliestStartAt: 2026-12-06T08:00:00+01:00, deadlineAt: 2026-12-07T08:00:00+01:00 }\n';
    await run(['windows', 'create', '--file', file, '--planner-url', service.url], specIo({ [file]: yaml }).io);
    expect(service.asked[0].body).toMatchObject({ startsAt: '2026-12-06T09:00:00Z', endsAt: '2026-12-06T10:00:00Z', flexibility: { earliestStartAt: '2026-12-06T07:00:00Z', deadlineAt: '2026-12-07T07:00:00Z' } });
    const local = specIo({ [file]: yaml.replace('flexibility: { earliestStartAt: 2026-12-06T08:00:00+01:00', 'flexibility: { earliestStartAt: 2026-12-06T08:00') });
    expect(await run(['windows', 'create', '--file', file, '--planner-url', service.url], local.io)).toBe(ExitCode.usage);
    expect(local.said.err).toBe("holdfast: window.yaml's flexibility.earliestStartAt 2026-12-06T08:00 has no offset: write 2026-12-06T08:00:00Z or 2026-12-06T08:00:00+01:00\n");
    expect(service.asked).toHaveLength(1);
  });
});

describe('holdfast answers it cannot use', () => {
  afterEach(closeStandIns);

  it("follows a refusal worded for HTTP with the command that does the same from the CLI", async () => {
    const missing = await holdfast(['windows', 'show', WINDOW], { status: 404, body: { status: 404, title: 'Not Found', detail: `No window ${WINDOW}: list windows with GET /v1/windows.`, code: 'window-not-found' } });
    expect(missing.said.err).toBe(`holdfast: No window ${WINDOW}: list windows with GET /v1/windows. (window-not-found)\n  from the CLI: holdfast windows list lists the windows\n`);
    const keyless = await holdfast(['holds', 'list'], { status: 401, body: { status: 401, title: 'Unauthorized', detail: 'This endpoint needs an API key: send "Authorization: Bearer <key>".', code: 'missing-key' } });
    expect(keyless.said.err).toContain('\n  from the CLI: give the key in HOLDFAST_KEY, or read it from standard input with --key -\n');
    const early = await holdfast(['windows', 'start', WINDOW], { status: 409, body: { status: 409, title: 'Conflict', detail: 'Occurrence 1 ... move the window to now (PATCH startsAt and endsAt).', code: 'occurrence-not-due' } });
    // The window's id where the advice names it, as the refused call named it, so the advice can be typed as it is.
    expect(early.said.err).toContain(
      `\n  from the CLI: holdfast windows occurrences ${WINDOW} says when each run is; to run sooner, holdfast windows update ${WINDOW} --version N --start ... --end ... moves the window (its version: holdfast windows show ${WINDOW})\n`,
    );
  });

  it("says which flag or command does what a refusal words as a request body's field or a route", async () => {
    const plan = ['windows', 'create', '--title', 'Router upgrade', '--team', 'storage-ops', '--regions', 'NP', '--start', '2026-12-06T10:00:00Z', '--end', '2026-12-06T11:00:00Z', '--zone', 'UTC'];
    const forbidden = (detail: string) => ({ status: 403, body: { status: 403, title: 'Forbidden', detail, code: 'other-team', ownerTeam: 'storage-ops' } });
    const assigned = 'A key of team network-ops cannot plan a window for team storage-ops: a key acts for its own team only. Set ownerTeam to network-ops, or use a key of team storage-ops or an admin key.';
    const otherTeam = await holdfast(plan, forbidden(assigned));
    expect(otherTeam.code).toBe(ExitCode.error);
    expect(otherTeam.said.err).toBe(
      `holdfast: ${assigned} (other-team)\n  from the CLI: give --team your key's own team, or use a key of team storage-ops or an admin key (in HOLDFAST_KEY, or read from standard input with --key -)\n`,
    );
    // Another team's window: no flag makes it this key's.
    const owned = `Window ${WINDOW} belongs to team storage-ops; the key's team network-ops may read it but not change it.`;
    const theirs = await holdfast(['windows', 'update', WINDOW, '--version', '2', '--title', 'x'], forbidden(owned));
    expect(theirs.said.err).toBe(`holdfast: ${owned} (other-team)\n  from the CLI: use a key of team storage-ops or an admin key (in HOLDFAST_KEY, or read from standard input with --key -)\n`);

    const hold = { id: WINDOW, regions: ['NP'], reason: 'festival', from: '2026-12-06T00:00:00Z', until: '2026-12-08T00:00:00Z' };
    const inHold = await holdfast(plan, {
      status: 409,
      body: { status: 409, title: 'Conflict', code: 'window-in-hold', holds: [hold], detail: `The window falls into active hold ${WINDOW} (NP: festival). Plan it for after 2026-12-08T00:00:00.000Z, when the hold ends (GET /v1/gate?regions=NP answers 200 once nothing holds NP), or send override: {reason}.` },
    });
    expect(inHold.said.err).toContain(
      // Planned anew, the window has no id to ask slots for yet; and not the gate, which answers for the regions now, before a hold that begins later.
      '\n  from the CLI: plan it outside the holds (holdfast holds list --active lists them); the holds end by 2026-12-08T00:00:00Z; to go ahead in the hold anyway, give --file a YAML file holding override: {reason: TEXT} (a key with holds:override)\n',
    );
    // A window planned already, moved into the hold: its own slots, by its id.
    const movedIntoHold = await holdfast(['windows', 'update', WINDOW, '--version', '2', '--start', '2026-12-06T10:00:00Z', '--end', '2026-12-06T11:00:00Z'], {
      status: 409,
      body: { status: 409, title: 'Conflict', code: 'window-in-hold', holds: [hold], detail: `The window falls into active hold ${WINDOW} (NP: festival). Pick another time (GET /v1/windows/${WINDOW}/suggestions), or send override: {reason}.` },
    });
    expect(movedIntoHold.said.err).toContain(`\n  from the CLI: holdfast windows suggestions ${WINDOW} proposes the least harmful slots; the holds end by 2026-12-08T00:00:00Z; to go ahead in the hold anyway`);
    const cancelled = await holdfast(['gate', '--window', WINDOW], { status: 409, body: { status: 409, title: 'Conflict', code: 'window-cancelled', detail: `Window ${WINDOW} was cancelled: it will never run, so do not start it or wait for it. To do the work, plan a new window (POST /v1/windows).` } });
    expect(cancelled.said.err).toContain('\n  from the CLI: holdfast windows create plans a new window\n');

    // A run's refusals name the command for the status it has, not the route.
    const run = (code: string, occurrenceStatus: string) => ({ status: 409, body: { status: 409, title: 'Conflict', code, occurrenceStatus, detail: `Occurrence 2 of window ${WINDOW} (POST /v1/windows/${WINDOW}/occurrences/2/...).` } });
    const running = await holdfast(['windows', 'start', WINDOW, '--occurrence', '2'], run('occurrence-not-startable', 'in-progress'));
    expect(running.said.err).toContain(`\n  from the CLI: holdfast windows complete ${WINDOW} --occurrence 2 completes it when the work is done\n`);
    const notStarted = await holdfast(['windows', 'complete', WINDOW, '--occurrence', '2'], run('occurrence-not-in-progress', 'scheduled'));
    expect(notStarted.said.err).toContain(`\n  from the CLI: holdfast windows start ${WINDOW} --occurrence 2 starts it first\n`);
    const released = await holdfast(['holds', 'release', WINDOW, '--reason', 'over'], { status: 409, body: { status: 409, title: 'Conflict', code: 'hold-released', detail: `Hold ${WINDOW} was already released at 2026-12-06T00:00:00.000Z: nothing to release. GET /v1/holds/${WINDOW} says by whom and why.` } });
    expect(released.said.err).toContain(`\n  from the CLI: holdfast audit --subject ${WINDOW} says who released it and why; holdfast holds declare places a new hold if the regions need one again\n`);
  });

  it('follows more refusals worded for HTTP with what does the same from the CLI', async () => {
    const SUBSCRIPTION = '0190e0c8-0000-7000-8000-00000000000a';
    const scopeless = await holdfast(['windows', 'start', WINDOW, '--occurrence', '1'], {
      status: 403,
      body: { status: 403, title: 'Forbidden', code: 'missing-scope', requiredScope: 'windows:write', detail: 'This request needs scope windows:write; key 3f9a1c0e5b7d2a48 (team network-ops) has read.' },
    });
    expect(scopeless.said.err).toContain(
      '\n  from the CLI: use a key with scope windows:write (in HOLDFAST_KEY, or read from standard input with --key -); an admin key makes one: holdfast keys create --team TEAM --scopes windows:write --name NAME\n',
    );
    const exists = await holdfast(['subscriptions', 'create', '--file', 'subscription.yaml'], {
      status: 409,
      body: { status: 409, title: 'Conflict', code: 'subscription-exists', subscriptionId: SUBSCRIPTION, detail: `Subscription ${SUBSCRIPTION} (made ...) already sends these events to this receiver for this team. Use it (GET /v1/subscriptions/${SUBSCRIPTION}); ... PATCH, or DELETE it first.` },
    }, { 'subscription.yaml': 'channel: grafana\ntarget: https://grafana.example.org\nownerTeam: network-ops\n' });
    // A Grafana or Alertmanager token is replaced by an update: rotate-secret refuses any subscription but a webhook.
    expect(exists.said.err).toContain(
      `\n  from the CLI: holdfast subscriptions show ${SUBSCRIPTION} shows the one there is; holdfast subscriptions rotate-secret ${SUBSCRIPTION} gives a webhook a new secret if it was lost, holdfast subscriptions update ${SUBSCRIPTION} --secret - a Grafana or Alertmanager one its new token; holdfast subscriptions update ${SUBSCRIPTION} --file changes.yaml changes its filters, or holdfast subscriptions delete ${SUBSCRIPTION} deletes it first\n`,
    );
    const reused = await holdfast(['holds', 'declare', '--regions', 'IR', '--from', '2026-12-06T10:00:00Z', '--reason', 'count', '--idempotency-key', 'deploy-4711'], {
      status: 422,
      body: { status: 422, title: 'Unprocessable Content', code: 'idempotency-key-reused', detail: 'Idempotency-Key deploy-4711/holds-declare/0123456789ab was used at 2026-12-06T09:00:00.000Z for another request (POST /v1/holds with another body): send a new key with each new request.' },
    });
    expect(reused.said.err).toContain('\n  from the CLI: the key was used for another request of a command of this name and subject (the detail names it): run that command as it was to have its answer again, or give this one a key of its own with --idempotency-key (or HOLDFAST_IDEMPOTENCY_KEY)\n');
    const off = await holdfast(['subscriptions', 'test', SUBSCRIPTION], {
      status: 409,
      body: { status: 409, title: 'Conflict', code: 'subscription-disabled', subscriptionId: SUBSCRIPTION, detail: `Subscription ${SUBSCRIPTION} is turned off, so nothing is sent to it, a test included. PATCH /v1/subscriptions/${SUBSCRIPTION} {"enabled": true}, then test it.` },
    });
    expect(off.said.err).toContain(`\n  from the CLI: holdfast subscriptions update ${SUBSCRIPTION} --enabled true turns it on; then holdfast subscriptions test ${SUBSCRIPTION}\n`);
    const DELIVERY = '0190e0c8-0000-7000-8000-00000000000d';
    const offDelivery = await holdfast(['deliveries', 'replay', DELIVERY], {
      status: 409,
      body: { status: 409, title: 'Conflict', code: 'delivery-subscription-disabled', subscriptionId: SUBSCRIPTION, detail: `Delivery ${DELIVERY} cannot be sent now: its subscription ${SUBSCRIPTION} is turned off. PATCH /v1/subscriptions/${SUBSCRIPTION} {"enabled": true}, then replay it.` },
    });
    expect(offDelivery.said.err).toContain(`\n  from the CLI: holdfast subscriptions update ${SUBSCRIPTION} --enabled true turns the subscription on; then holdfast deliveries replay ${DELIVERY}, if the detail says to replay it\n`);
  });

  it("names the URL and the flag that sets it when another service's routes answer there", async () => {
    const noRoute = (path: string): Answer => ({
      status: 404,
      body: { status: 404, title: 'Not Found', code: 'no-such-route', instance: path, detail: `No route of this service serves GET ${path}: check the URL names the right service (the planner, the analyzer or the notifier); the OpenAPI document at /docs lists its routes.` },
    });
    const analyzer = await standInService(() => noRoute('/v1/windows'));
    const { io, said } = specIo();
    expect(await run(['windows', 'list', '--planner-url', analyzer.url], io)).toBe(ExitCode.error);
    expect(said.err).toBe(
      `holdfast: ${(noRoute('/v1/windows').body as { detail: string }).detail} (no-such-route)\n  from the CLI: check --planner-url or HOLDFAST_PLANNER_URL names the maintenance-planner: the service at ${analyzer.url} has no route /v1/windows (another of Holdfast's services, or one older than this CLI)\n`,
    );
    // The gate fails at once, rather than waiting out what no wait mends.
    const gate = specIo();
    expect(await run(['gate', '--regions', 'IR', '--wait', '--planner-url', analyzer.url], gate.io)).toBe(ExitCode.error);
    expect(gate.said.err).toContain(`\n  from the CLI: check --planner-url or HOLDFAST_PLANNER_URL names the maintenance-planner: the service at ${analyzer.url} has no route /v1/gate `);
    expect(gate.said.sleptMs).toEqual([]);
    const notifierElsewhere = specIo();
    expect(await run(['subscriptions', '--notifier-url', analyzer.url], notifierElsewhere.io)).toBe(ExitCode.error);
    expect(notifierElsewhere.said.err).toContain('\n  from the CLI: check --notifier-url or HOLDFAST_NOTIFIER_URL names the notifier: ');
  });

  it('prints the title or first line of a page of HTML or text answering an error, not the whole page', async () => {
    const page = `<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>${'<p>upstream connect error</p>\n'.repeat(200)}</body></html>\n`;
    const proxied = await holdfast(['holds', 'list'], { status: 502, text: page, headers: { 'content-type': 'text/html' } });
    expect(proxied.code).toBe(ExitCode.error);
    // A proxy's 502 is sent again twice (a service behind it restarting), then reported.
    expect(proxied.said.err).toBe(
      [
        'holdfast: the maintenance-planner answered 502 Bad Gateway; sending it again in 1s (retry 1 of 2)',
        'holdfast: the maintenance-planner answered 502 Bad Gateway; sending it again in 2s (retry 2 of 2)',
        `holdfast: ${proxied.url}/v1/holds?limit=500 answered 502 Bad Gateway: 502 Bad Gateway\n`,
      ].join('\n'),
    );
    const long = await holdfast(['holds', 'list'], { status: 500, text: `${'x'.repeat(300)}\n    at somewhere (server.js:1:1)\n`, headers: { 'content-type': 'text/plain' } });
    expect(long.said.err).toBe(`holdfast: ${long.url}/v1/holds?limit=500 answered 500 Internal Server Error: ${'x'.repeat(200)}…\n`);
  });

  it('exits 1 naming the URL when a 200 carries JSON of another shape, never with a stack trace', async () => {
    for (const [args, path, setting] of [
      [['windows', 'show', WINDOW], `/v1/windows/${WINDOW}`, '--planner-url or HOLDFAST_PLANNER_URL'],
      [['holds', 'list'], '/v1/holds?limit=500', '--planner-url or HOLDFAST_PLANNER_URL'],
      [['subscriptions', 'show', WINDOW], `/v1/subscriptions/${WINDOW}`, '--notifier-url or HOLDFAST_NOTIFIER_URL'],
    ] as const) {
      const planner = await standInService(() => ({ body: {} }));
      const notifier = await standInService(() => ({ body: {} }));
      const { io, said } = specIo();
      expect(await run([...args, '--planner-url', planner.url, '--notifier-url', notifier.url], io), args.join(' ')).toBe(ExitCode.error);
      const service = setting.startsWith('--planner') ? planner : notifier;
      expect(said.err).toMatch(new RegExp(`^holdfast: ${service.url}${path.replace(/[?]/g, '\\?')} answered 200 OK with JSON that is not the answer this command reads \\(.+\\): check ${setting} names the Holdfast service\\n$`));
      expect(said.err).not.toMatch(/^\s+at /m);
    }
  });

  it('gives a call that gets no answer up after --request-timeout, naming the URL', async () => {
    const hung = await standInService(() => ({ hang: true }));
    const { io, said } = specIo();
    const started = Date.now();
    expect(await run(['windows', 'show', WINDOW, '--request-timeout', '1s', '--planner-url', hung.url], io)).toBe(ExitCode.error);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(said.err).toBe(
      `holdfast: the maintenance-planner at ${hung.url}/v1/windows/${WINDOW} gave no answer within 1s: it may be overloaded or stuck; try again, or give it longer with --request-timeout or HOLDFAST_REQUEST_TIMEOUT\n`,
    );
  }, 10_000);

  it('times every call out after 30s unless told otherwise, and exits 2 on a request timeout that is not a duration', async () => {
    const calls: (AbortSignal | null | undefined)[] = [];
    const { holdfastApi } = await import('./client/holdfast-api');
    const { connection } = await import('./settings');
    const api = holdfastApi(connection({}, {}), async (_, init) => {
      calls.push(init?.signal);
      return new Response('{"items":[]}');
    });
    await api.planner.GET('/v1/regions');
    expect(calls[0]).toBeInstanceOf(AbortSignal);
    expect(connection({}, {}).requestTimeoutMs).toBe(30_000);
    expect(connection({ HOLDFAST_REQUEST_TIMEOUT: '2m' }, {}).requestTimeoutMs).toBe(120_000);
    expect(connection({ HOLDFAST_REQUEST_TIMEOUT: '2m' }, { requestTimeout: '45' }).requestTimeoutMs).toBe(45_000);
    for (const [env, args, message] of [
      [{ HOLDFAST_REQUEST_TIMEOUT: 'soon' }, [], 'HOLDFAST_REQUEST_TIMEOUT soon is not a duration of at least 1s: write 30s, 2m or a whole number of seconds'],
      [{}, ['--request-timeout', '0'], '--request-timeout 0 is not a duration of at least 1s: write 30s, 2m or a whole number of seconds'],
    ] as const) {
      const { io, said } = specIo();
      io.env = { ...io.env, ...env };
      expect(await run(['holds', 'list', ...args], io)).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${message}\n`);
    }
  });

  it('waits 10m by default for a replay, which a service answers slowly by design, and says so in help; the flag and variable still set it', async () => {
    const timeouts = vi.spyOn(AbortSignal, 'timeout');
    const timeoutOf = async (args: readonly string[], env: Record<string, string> = {}) => {
      timeouts.mockClear();
      const service = await standInService(() => ({ body: { replayed: [], messages: 0, remaining: 0, unreplayable: 0, items: [], nextCursor: null } }));
      const { io, said } = specIo();
      io.env = { ...io.env, ...env };
      expect(await run([...args, '--analyzer-url', service.url, '--notifier-url', service.url], io), said.err).toBe(ExitCode.ok);
      return timeouts.mock.calls.map(([ms]) => ms);
    };
    try {
      // One a call: dead-letters reads a route of the analyzer's own before its list or replay.
      expect(await timeoutOf(['dead-letters', 'replay', '--everything'])).toEqual([600_000, 600_000]);
      expect(await timeoutOf(['deliveries', 'replay', '--dead'])).toEqual([600_000]);
      expect(await timeoutOf(['dead-letters'])).toEqual([30_000, 30_000]);
      expect(await timeoutOf(['dead-letters', 'replay', '--everything'], { HOLDFAST_REQUEST_TIMEOUT: '45s' })).toEqual([45_000, 45_000]);
      expect(await timeoutOf(['dead-letters', 'replay', '--everything', '--request-timeout', '2m'])).toEqual([120_000, 120_000]);
    } finally {
      timeouts.mockRestore();
    }
    expect(helpText()).toMatch(/default 30s,\n +and for what a service answers slowly by design: deliveries replay 10m, dead-letters replay 10m\)/);
    const { io, said } = specIo();
    expect(await run(['dead-letters', 'replay', '--help'], io)).toBe(ExitCode.ok);
    expect(said.out).toContain('\neach call waits up to 10m for its answer (--request-timeout or HOLDFAST_REQUEST_TIMEOUT sets another)\n');
  });
});
