import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService, type Answer } from '../testing/stand-in-service';

const NOT_THE_PLANNER: [string, Answer][] = [
  ['a sign-in page in front of it', { text: '<html><body>Sign in to continue</body></html>', headers: { 'content-type': 'text/html' } }],
  ['another service answering any path', { body: {} }],
  ['an empty answer', { status: 204 }],
];

describe('holdfast gate fails closed', () => {
  afterEach(closeStandIns);

  it.each(NOT_THE_PLANNER)('exits 1 naming the URL, never 0, when what answers is not the planner: %s', async (_, answer) => {
    const impostor = await standInService(() => answer);
    for (const wait of [[], ['--wait', '--timeout', '1m']]) {
      const { io, said } = specIo();
      expect(await run(['gate', '--regions', 'IR', ...wait, '--planner-url', impostor.url], io)).toBe(ExitCode.error);
      expect(said.out).toBe('');
      expect(said.err).toContain(`${impostor.url}/v1/gate?regions=IR answered`);
      expect(said.err).toContain('check --planner-url or HOLDFAST_PLANNER_URL');
      expect(said.err).not.toMatch(/^\s+at /m);
    }
  });

  it('--wait gives up at --timeout even when the planner takes the connection and never answers', async () => {
    const { io, said, passTime } = specIo();
    // The wait's --timeout passes while the planner holds the check: the deadline has to cut a request under way, not only a pause.
    const hung = await standInService(() => {
      passTime(2_000);
      return { hang: true };
    });
    expect(await run(['gate', '--regions', 'IR', '--wait', '--timeout', '2s', '--interval', '1s', '--planner-url', hung.url], io)).toBe(ExitCode.error);
    expect(said.abortAfterMs).toEqual([2_000]);
    expect(said.sleptMs).toEqual([]);
    expect(hung.asked).toHaveLength(1);
    expect(said.err).toContain('gave up after 2s: the maintenance-planner is still unavailable');
    expect(said.err).toContain(`holdfast: cannot reach the maintenance-planner at ${hung.url} (no answer in time)`);
  });
});

describe('holdfast gate without --wait', () => {
  afterEach(closeStandIns);

  it('exits 2 naming --wait when --timeout or --interval is given without it, asking nothing', async () => {
    const planner = await standInService(() => ({ body: { allowed: true } }));
    for (const flag of ['--timeout', '--interval']) {
      const { io, said } = specIo();
      expect(await run(['gate', '--regions', 'IR', flag, '30s', '--planner-url', planner.url], io)).toBe(ExitCode.usage);
      expect(said.err).toBe(`holdfast: ${flag} is for --wait: add --wait to wait for the gate, or leave ${flag} out to ask it once\n`);
    }
    expect(planner.asked).toEqual([]);
  });
});

describe('holdfast gate for a notify-only window in a hold', () => {
  afterEach(closeStandIns);

  it("exits 0 and says on stderr which holds it runs through, from the planner's Holdfast-Notice", async () => {
    const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
    const notice = 'notify-only window: it runs while held by hold 0190e0c8-0000-7000-8000-0000000000b1 (IN); its owners are told (GET /v1/holds/{id} says why)';
    const planner = await standInService(() => ({ body: { allowed: true }, headers: { 'holdfast-notice': notice } }));
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.out).toBe(`allowed: window ${WINDOW} runs (notify-only)\n`);
    expect(said.err).toBe(`holdfast: ${notice}\n  from the CLI: holdfast explain ${WINDOW} names each hold's cause\n`);
  });
});

describe('holdfast gate for a window let through a hold by an override', () => {
  afterEach(closeStandIns);

  const WINDOW = '0190e0c8-0000-7000-8000-0000000000f3';
  const HOLDS = ['0190e0c8-0000-7000-8000-0000000000b2', '0190e0c8-0000-7000-8000-0000000000b3'];

  it("exits 0 saying which run is let through which holds, from the planner's Holdfast-Let-Through, not that nothing holds it", async () => {
    const planner = await standInService(() => ({ body: { allowed: true }, headers: { 'holdfast-let-through': `run=2; holds=${HOLDS.join(',')}` } }));
    for (const wait of [[], ['--wait', '--timeout', '1m']]) {
      const { io, said } = specIo();
      expect(await run(['gate', '--window', WINDOW, ...wait, '--planner-url', planner.url], io)).toBe(ExitCode.ok);
      expect(said.out).toBe(`allowed: window ${WINDOW}'s run 2 is let through holds ${HOLDS.join(', ')} by an override (holdfast audit --subject ${WINDOW} says who let it through and why)\n`);
      expect(said.err).toBe('');
    }
  });

  it('names one hold as one, and with --json prints the answer as it came and says it on stderr', async () => {
    const planner = await standInService(() => ({ body: { allowed: true }, headers: { 'holdfast-let-through': `run=1; holds=${HOLDS[0]}` } }));
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--json', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(JSON.parse(said.out)).toEqual({ allowed: true });
    expect(said.err).toBe(`holdfast: window ${WINDOW}'s run 1 is let through hold ${HOLDS[0]} by an override (holdfast audit --subject ${WINDOW} says who let it through and why)\n`);
  });

  it('says how many more holds a capped Holdfast-Let-Through counts beyond those it names', async () => {
    const planner = await standInService(() => ({ body: { allowed: true }, headers: { 'holdfast-let-through': `run=3; holds=${HOLDS.join(',')}; more=448` } }));
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.out).toBe(`allowed: window ${WINDOW}'s run 3 is let through 450 holds, ${HOLDS.join(', ')} and 448 more, by an override (holdfast audit --subject ${WINDOW} says who let it through and why)\n`);
  });

  it('shows a Holdfast-Let-Through of a shape it does not know as it came, never "nothing holds"', async () => {
    const planner = await standInService(() => ({ body: { allowed: true }, headers: { 'holdfast-let-through': `${HOLDS[0]} (run 4)` } }));
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(said.out).toBe(`allowed: window ${WINDOW}'s run in question is let through holds (${HOLDS[0]} (run 4)) by an override (holdfast audit --subject ${WINDOW} says who let it through and why)\n`);
  });
});

describe('holdfast gate for a window whose run waits for a new slot', () => {
  afterEach(closeStandIns);

  const WINDOW = '0190e0c8-0000-7000-8000-0000000000f2';
  const slot = { startsAt: '2026-12-08T06:00:00.000Z', endsAt: '2026-12-08T06:02:00.000Z' };
  const waiting = (proposedSlot: typeof slot | null): Answer => ({
    status: 409,
    body: {
      type: 'https://holdfast.dev/problems/run-awaits-new-slot',
      title: 'Conflict',
      status: 409,
      code: 'run-awaits-new-slot',
      detail: `Window ${WINDOW} has no run to start now: run 1 waits for a new slot, its time (2026-12-07T10:36:00.000Z to 2026-12-07T10:38:00.000Z) having passed while it was held.`,
      waitingRun: { number: 1, status: 'needs-reschedule', startsAt: '2026-12-07T10:36:00.000Z', endsAt: '2026-12-07T10:38:00.000Z', proposedSlot },
      windowVersion: 4,
    },
  });

  it('exits 1 with the refusal and the update that takes the slot proposed, and --wait does not wait on it', async () => {
    const planner = await standInService(() => waiting(slot));
    for (const wait of [[], ['--wait', '--timeout', '1m']]) {
      const { io, said } = specIo();
      expect(await run(['gate', '--window', WINDOW, ...wait, '--planner-url', planner.url], io)).toBe(ExitCode.error);
      expect(said.out).toBe('');
      expect(said.sleptMs).toEqual([]);
      expect(said.err).toBe(
        `holdfast: ${(waiting(slot).body as { detail: string }).detail} (run-awaits-new-slot)\n` +
          `  from the CLI: holdfast windows update ${WINDOW} --start ${slot.startsAt} --end ${slot.endsAt} --version 4 takes the slot proposed; ` +
          `holdfast windows start ${WINDOW} --occurrence 1 runs it now anyway, outside its slot\n`,
      );
    }
    expect(planner.asked).toHaveLength(2);
  });

  it('names the suggestions to choose a slot from when the planner proposed none', async () => {
    const planner = await standInService(() => waiting(null));
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--planner-url', planner.url], io)).toBe(ExitCode.error);
    expect(said.err).toContain(
      `\n  from the CLI: holdfast windows suggestions ${WINDOW} proposes slots, and holdfast windows update ${WINDOW} --start START --end END --version 4 takes one; ` +
        `holdfast windows start ${WINDOW} --occurrence 1 runs it now anyway, outside its slot\n`,
    );
  });
});

describe('holdfast gate --at, a what-if', () => {
  afterEach(closeStandIns);

  const WINDOW = '0190e0c8-0000-7000-8000-0000000000f4';
  const hold = { id: '0190e0c8-0000-7000-8000-0000000000b4', regions: ['NZ'], reason: 'All Blacks test match', source: 'manual', from: '2026-06-14T20:20:00.000Z', until: '2026-06-14T22:20:00.000Z' };
  const held: Answer = {
    status: 423,
    headers: { 'retry-after': '8400' },
    body: { type: 'https://holdfast.dev/problems/held', title: 'Locked', status: 423, code: 'held', detail: `Window ${WINDOW} is held by hold ${hold.id} (NZ: All Blacks test match).`, holds: [hold], at: '2026-06-14T20:05:00.000Z' },
  };

  it('asks the gate about that instant, sent in UTC, for a window or for regions, and says so when nothing holds it then', async () => {
    const planner = await standInService(() => ({ body: { allowed: true } }));
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--at', '2026-06-15T08:05:00+12:00', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(await run(['gate', '--regions', 'nz,AU', '--at', '2026-06-14T20:05:00Z', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(planner.asked.map((asked) => asked.url)).toEqual([`/v1/gate?windowId=${WINDOW}&at=2026-06-14T20%3A05%3A00Z`, '/v1/gate?regions=NZ%2CAU&at=2026-06-14T20%3A05%3A00Z']);
    expect(said.out).toBe(`allowed: nothing holds window ${WINDOW} at 2026-06-14T20:05:00Z\nallowed: nothing holds regions NZ, AU at 2026-06-14T20:05:00Z\n`);
  });

  it('exits 3 for a time held, with the holds, and asks about a later --at rather than suggesting --wait', async () => {
    const planner = await standInService((asked) => (asked.url.startsWith('/v1/gate') ? held : { body: { items: [{ code: 'NZ', name: 'New Zealand', zone: 'Pacific/Auckland' }] } }));
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--at', '2026-06-14T20:05:00Z', '--planner-url', planner.url], io)).toBe(ExitCode.held);
    expect(said.out).toContain(`held: Window ${WINDOW} is held by hold ${hold.id} (NZ: All Blacks test match).\n`);
    expect(said.out).toContain(hold.id);
    expect(said.out).toContain('retry after 2h 20m (2026-06-14 22:20 UTC; NZ 2026-06-15 10:20 Pacific/Auckland (+12:00)), when the manual hold on NZ ends, or ask about a later --at\n');
    expect(said.out).not.toContain('--wait');
  });

  it('exits 2 on a time without an offset, and on --at with --wait, asking nothing', async () => {
    const planner = await standInService(() => ({ body: { allowed: true } }));
    const refused: [string[], string][] = [
      [['--at', '2026-06-15T08:05'], 'holdfast: --at 2026-06-15T08:05 has no offset: write 2026-06-15T08:05:00Z or 2026-06-15T08:05:00+01:00\n'],
      [['--at', 'tomorrow'], 'holdfast: --at tomorrow is not a time: write it as 2026-12-06T10:00:00Z or 2026-12-06T10:00:00+01:00\n'],
      [
        ['--at', '2026-06-14T20:05:00Z', '--wait'],
        'holdfast: --wait waits until the gate allows a start now, and with --at its allowed would be about that time, not now: a job going on after it could start while held. Leave out --at to wait for the gate now, or --wait to ask about --at once\n',
      ],
    ];
    for (const [flags, message] of refused) {
      const { io, said } = specIo();
      expect(await run(['gate', '--window', WINDOW, ...flags, '--planner-url', planner.url], io)).toBe(ExitCode.usage);
      expect(said.err).toBe(message);
    }
    expect(planner.asked).toEqual([]);
  });
});

describe('holdfast gate for a window, allowed: which run it judged', () => {
  afterEach(closeStandIns);

  const WINDOW = '0190e0c8-0000-7000-8000-0000000000f5';
  // specIo's clock reads 2026-06-14T20:00:00Z.
  const NOW = '2026-06-14T20:00:00.000Z';
  const listedRun = (number: number, status: string, startsAt: string, endsAt: string, startableFrom?: string | null) => ({
    number,
    status,
    startsAt,
    endsAt,
    ...(startableFrom !== undefined ? { startableFrom } : {}),
    heldBy: [],
    localTimes: [{ region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '', endsAtLocal: '', offset: '+03:30' }],
  });
  // Run 1 waits for a new slot, its end still to come; run 2 is tomorrow: the gate judges run 2, which windows start takes.
  const waitingThenTomorrow = [listedRun(1, 'needs-reschedule', '2026-06-14T19:00:00.000Z', '2026-06-14T21:00:00.000Z'), listedRun(2, 'scheduled', '2026-06-15T20:00:00.000Z', '2026-06-15T21:00:00.000Z')];
  const notDue = `its next run, 2, starts in 24h (2026-06-15 20:00 UTC; IR 2026-06-15 23:30 Asia/Tehran (+03:30)): not due until OCCURRENCE_EARLY_START_MINUTES (the planner's setting) before then, and holdfast windows start ${WINDOW} refuses it until then`;

  /** A planner allowing the window, listing its runs as the planner reads from= (the runs not over by then), or answering the list with `runsAnswer`. */
  const planner = (runs: ReturnType<typeof listedRun>[], gate: Answer = { body: { allowed: true } }, runsAnswer?: Answer) =>
    standInService((asked) => {
      if (asked.url.startsWith('/v1/gate')) return gate;
      if (asked.url.startsWith(`/v1/windows/${WINDOW}/occurrences`)) {
        const from = new URL(asked.url, 'http://planner').searchParams.get('from');
        return runsAnswer ?? { body: { windowId: WINDOW, items: runs.filter((listed) => !from || listed.endsAt > from), nextCursor: null } };
      }
      return { status: 404, body: { status: 404, title: 'Not Found' } };
    });

  it('names the run not yet due that it judged, when it starts, and that windows start refuses it until it is due, exit 0', async () => {
    const allowing = await planner(waitingThenTomorrow);
    for (const wait of [[], ['--wait', '--timeout', '1m']]) {
      const { io, said } = specIo();
      expect(await run(['gate', '--window', WINDOW, ...wait, '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
      expect(said.out).toBe(`allowed: nothing holds window ${WINDOW} now; ${notDue}\n`);
      expect(said.err).toBe('');
    }
    expect(allowing.asked.map((asked) => asked.url)).toContain(`/v1/windows/${WINDOW}/occurrences?from=${encodeURIComponent(NOW)}&limit=2000`);
  });

  it("says when a run still ahead may start, from the planner's startableFrom: due now within its early start, else not due until then", async () => {
    // The operator's case: a run in 29m 16s, which a planner allowing 60 minutes early lets start at once.
    const inHalfAnHour = listedRun(2, 'scheduled', '2026-06-14T20:30:00.000Z', '2026-06-14T21:30:00.000Z', '2026-06-14T19:30:00.000Z');
    const due = await planner([inHalfAnHour]);
    const now = specIo();
    now.passTime(44_000);
    expect(await run(['gate', '--window', WINDOW, '--planner-url', due.url], now.io)).toBe(ExitCode.ok);
    expect(now.said.out).toBe(
      `allowed: nothing holds window ${WINDOW} now; its next run, 2, starts in 29m 16s (2026-06-14 20:30 UTC; IR 2026-06-15 00:00 Asia/Tehran (+03:30)): due now (may start from 2026-06-14 19:30 UTC; IR 2026-06-14 23:00 Asia/Tehran (+03:30))\n`,
    );
    // Due now is no warning: --json says nothing more.
    const quiet = specIo();
    expect(await run(['gate', '--window', WINDOW, '--json', '--planner-url', due.url], quiet.io)).toBe(ExitCode.ok);
    expect(quiet.said.err).toBe('');

    // Tomorrow's run, startable from 30 seconds past the minute (an allowance of 59.5 minutes): the instant to the second, in UTC and the run's regions' zones.
    const tomorrow = await planner([listedRun(2, 'scheduled', '2026-06-15T20:00:00.000Z', '2026-06-15T21:00:00.000Z', '2026-06-15T19:00:30.000Z')]);
    const notDueYet = `its next run, 2, starts in 24h (2026-06-15 20:00 UTC; IR 2026-06-15 23:30 Asia/Tehran (+03:30)): not due until 2026-06-15 19:00:30 UTC (IR 2026-06-15 22:30:30 Asia/Tehran (+03:30); OCCURRENCE_EARLY_START_MINUTES before its start), and holdfast windows start ${WINDOW} refuses it until then`;
    const ahead = specIo();
    expect(await run(['gate', '--window', WINDOW, '--planner-url', tomorrow.url], ahead.io)).toBe(ExitCode.ok);
    expect(ahead.said.out).toBe(`allowed: nothing holds window ${WINDOW} now; ${notDueYet}\n`);
    const json = specIo();
    expect(await run(['gate', '--window', WINDOW, '--json', '--planner-url', tomorrow.url], json.io)).toBe(ExitCode.ok);
    expect(json.said.err).toBe(`holdfast: window ${WINDOW}: ${notDueYet}\n`);
  });

  it('names the setting as before when the planner gives no startableFrom (one from before it), or none it can read', async () => {
    for (const startableFrom of [undefined, null, 'soon']) {
      const allowing = await planner([listedRun(2, 'scheduled', '2026-06-15T20:00:00.000Z', '2026-06-15T21:00:00.000Z', startableFrom)]);
      const { io, said } = specIo();
      expect(await run(['gate', '--window', WINDOW, '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
      expect(said.out, String(startableFrom)).toBe(`allowed: nothing holds window ${WINDOW} now; ${notDue}\n`);
    }
  });

  it('names the run due, started or running, when that is the one it judged', async () => {
    const cases: [ReturnType<typeof listedRun>[], string][] = [
      [[listedRun(1, 'completed', '2026-06-13T20:00:00.000Z', '2026-06-13T21:00:00.000Z'), listedRun(2, 'scheduled', '2026-06-14T19:50:00.000Z', '2026-06-14T21:00:00.000Z')], 'its run 2 is due'],
      [[listedRun(3, 'in-progress', '2026-06-14T19:00:00.000Z', '2026-06-14T21:00:00.000Z')], 'its run 3 is in progress'],
      // Held past its start by holds that have since ended, before the sweep says so: the gate passed over it to run 2.
      [[listedRun(1, 'held', '2026-06-14T19:00:00.000Z', '2026-06-14T21:00:00.000Z'), listedRun(2, 'scheduled', '2026-06-14T19:55:00.000Z', '2026-06-14T22:00:00.000Z')], 'its run 2 is due'],
    ];
    for (const [runs, line] of cases) {
      const allowing = await planner(runs);
      const { io, said } = specIo();
      expect(await run(['gate', '--window', WINDOW, '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
      expect(said.out).toBe(`allowed: nothing holds window ${WINDOW} now; ${line}\n`);
    }
  });

  it('says it of a notify-only window too, beside the notice', async () => {
    const notice = 'notify-only window: it runs while held by hold 0190e0c8-0000-7000-8000-0000000000b1 (IR); its owners are told (GET /v1/holds/{id} says why)';
    const allowing = await planner(waitingThenTomorrow, { body: { allowed: true }, headers: { 'holdfast-notice': notice } });
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
    expect(said.out).toBe(`allowed: window ${WINDOW} runs (notify-only); ${notDue}\n`);
  });

  it('with --json prints the answer as it came and says a run not yet due on stderr', async () => {
    const allowing = await planner(waitingThenTomorrow);
    const { io, said } = specIo();
    expect(await run(['gate', '--window', WINDOW, '--json', '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
    expect(JSON.parse(said.out)).toEqual({ allowed: true });
    expect(said.err).toBe(`holdfast: window ${WINDOW}: ${notDue}\n`);
  });

  it('still exits 0 with the allowed line as before when its runs cannot be read or none is to start', async () => {
    const unreadable: [ReturnType<typeof listedRun>[], Answer | undefined][] = [
      [[], { status: 500, body: { status: 500, title: 'Internal Server Error' } }],
      [[], { text: '<html>Sign in</html>', headers: { 'content-type': 'text/html' } }],
      [[listedRun(1, 'needs-reschedule', '2026-06-14T19:00:00.000Z', '2026-06-14T21:00:00.000Z')], undefined],
    ];
    for (const [runs, runsAnswer] of unreadable) {
      const allowing = await planner(runs, undefined, runsAnswer);
      const { io, said } = specIo();
      expect(await run(['gate', '--window', WINDOW, '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
      expect(said.out).toBe(`allowed: nothing holds window ${WINDOW} now\n`);
      expect(said.err).toBe('');
    }
  });

  it('reads no runs for regions, nor for a what-if (--at)', async () => {
    const allowing = await planner(waitingThenTomorrow);
    const { io, said } = specIo();
    expect(await run(['gate', '--regions', 'IR', '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
    expect(await run(['gate', '--window', WINDOW, '--at', '2026-06-15T20:30:00Z', '--planner-url', allowing.url], io)).toBe(ExitCode.ok);
    expect(said.out).toBe(`allowed: nothing holds regions IR now\nallowed: nothing holds window ${WINDOW} at 2026-06-15T20:30:00Z\n`);
    expect(allowing.asked.every((asked) => asked.url.startsWith('/v1/gate'))).toBe(true);
  });
});

describe('holdfast gate, held: when to retry', () => {
  afterEach(closeStandIns);

  // specIo's clock reads 2026-06-14T20:00:00Z.
  const WINDOW = '0190e0c8-0000-7000-8000-0000000000f6';
  const REGIONS = [
    { code: 'BR', name: 'Brazil', zone: 'America/Sao_Paulo' },
    { code: 'AR', name: 'Argentina', zone: 'America/Argentina/Buenos_Aires' },
    { code: 'IR', name: 'Iran', zone: 'Asia/Tehran' },
  ];
  const gateHold = (id: string, regions: string[], source: string, until: string | null, releaseDueAt?: string) => ({
    id: `0190e0c8-0000-7000-8000-0000000000${id}`,
    regions,
    reason: `${source} in ${regions.join(', ')}`,
    source,
    from: '2026-06-14T18:00:00.000Z',
    until,
    ...(releaseDueAt ? { releaseDueAt } : {}),
  });
  // The declaration cancelled: its hold in its cool-down; the alert's, open-ended, listed last.
  const cooling = gateHold('a1', ['BR'], 'declaration', '2026-06-14T20:00:57.000Z', '2026-06-14T20:00:57.000Z');
  const alerting = gateHold('a2', ['AR'], 'alert', null);
  const held = (holds: object[], retryAfter: string, holdCount = holds.length): Answer => ({
    status: 423,
    headers: { 'retry-after': retryAfter },
    body: { type: 'https://holdfast.dev/problems/held', title: 'Locked', status: 423, code: 'held', detail: `Window ${WINDOW} is held.`, holds, holdCount, retryAfterSeconds: Number(retryAfter), at: '2026-06-14T20:00:00.000Z' },
  });
  const retryLine = async (gate: Answer, args: string[] = ['--window', WINDOW]) => {
    const planner = await standInService((asked) => (asked.url.startsWith('/v1/gate') ? gate : { body: { items: REGIONS } }));
    const { io, said } = specIo();
    expect(await run(['gate', ...args, '--planner-url', planner.url], io)).toBe(ExitCode.held);
    return said.out.split('\n').find((line) => line.startsWith('retry after'));
  };
  const ALERT_HAS_NO_END = 'the alert hold on AR has no end: it lasts until its alert resolves and the cool-down after it passes, or someone releases it';

  it('names the hold whose end Retry-After is, and says so of a hold with no end, never reading as free then', async () => {
    expect(await retryLine(held([cooling, alerting], '57'))).toBe(
      'retry after 57s (2026-06-14 20:00 UTC; BR 2026-06-14 17:00 America/Sao_Paulo (-03:00); AR 2026-06-14 17:00 America/Argentina/Buenos_Aires (-03:00)), ' +
        `when the declaration hold on BR ends, or run with --wait; ${ALERT_HAS_NO_END}`,
    );
  });

  it("says Retry-After is only when to ask again while no hold has an end (the planner's GATE_RETRY_AFTER_SECONDS)", async () => {
    expect(await retryLine(held([alerting], '300'))).toBe(
      `retry after 5m (2026-06-14 20:05 UTC; AR 2026-06-14 17:05 America/Argentina/Buenos_Aires (-03:00)), when the planner suggests asking again, or run with --wait; ${ALERT_HAS_NO_END}`,
    );
    const manual = gateHold('a3', ['IR'], 'manual', null);
    expect(await retryLine(held([manual], '300'), ['--regions', 'IR'])).toBe(
      'retry after 5m (2026-06-14 20:05 UTC; IR 2026-06-14 23:35 Asia/Tehran (+03:30)), when the planner suggests asking again, or run with --wait; the manual hold on IR has no end: it lasts until someone releases it',
    );
  });

  it("says a surge's until is its estimate, which the hold may outlast, and one passed is no end", async () => {
    const surging = gateHold('a4', ['IR'], 'detector', '2026-06-14T21:00:00.000Z');
    expect(await retryLine(held([surging], '3600'))).toBe(
      'retry after 1h (2026-06-14 21:00 UTC; IR 2026-06-15 00:30 Asia/Tehran (+03:30)), when the detector hold on IR is expected to end, or run with --wait; ' +
        "the detector hold on IR may outlast that: its until is its surge's estimate, and it lasts until its surge clears and the cool-down after it passes, or someone releases it",
    );
    const outlasting = gateHold('a5', ['IR'], 'detector', '2026-06-14T19:00:00.000Z');
    expect(await retryLine(held([outlasting], '300'))).toBe(
      'retry after 5m (2026-06-14 20:05 UTC; IR 2026-06-14 23:35 Asia/Tehran (+03:30)), when the planner suggests asking again, or run with --wait; ' +
        'the detector hold on IR has no end: it lasts until its surge clears and the cool-down after it passes, or someone releases it',
    );
  });

  it('groups holds alike, and says that holds the 423 does not list may last longer', async () => {
    const second = { ...alerting, id: '0190e0c8-0000-7000-8000-0000000000a6' };
    expect(await retryLine(held([cooling, alerting, second], '57'))).toContain(
      '; the 2 alert holds on AR have no end: each lasts until its alert resolves and the cool-down after it passes, or someone releases it',
    );
    expect(await retryLine(held([cooling], '7200', 12))).toBe(
      'retry after 2h (2026-06-14 22:00 UTC; BR 2026-06-14 19:00 America/Sao_Paulo (-03:00)), when the last of its holds with an end ends, or run with --wait; ' +
        '11 more holds are not listed here and may have no end (holdfast holds list --active lists every hold)',
    );
  });
});
