import { afterEach, describe, expect, it, vi } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, keyedStandInService, specIo, standInService, type Answer, type Asked } from '../testing/stand-in-service';

const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
const HOLD = '0190e0c8-0000-7000-8000-0000000000b1';

const occurrence = (number: number, status: string) => ({
  number,
  status,
  startsAt: `2026-06-${10 + number}T21:00:00.000Z`,
  endsAt: `2026-06-${10 + number}T22:00:00.000Z`,
  heldBy: [],
  localTimes: [{ region: 'IR', zone: 'Asia/Tehran', startsAtLocal: `2026-06-${11 + number}T00:30`, endsAtLocal: `2026-06-${11 + number}T01:30`, offset: '+03:30' }],
});

const held = {
  type: 'https://holdfast.dev/problems/held',
  title: 'Locked',
  status: 423,
  code: 'held',
  detail: `Window ${WINDOW} is held by hold ${HOLD} (IR: election night). Wait and retry, or ask for an override with a reason.`,
  holds: [{ id: HOLD, regions: ['IR'], reason: 'election night', source: 'manual', from: '2026-06-14T18:00:00.000Z', until: '2026-06-14T21:30:00.000Z' }],
};

describe('holdfast windows start and complete', () => {
  afterEach(closeStandIns);
  afterEach(() => vi.useRealTimers());
  /** The CLI's now, for the runs it asks about (from=). */
  const at = (instant: string) => vi.useFakeTimers({ toFake: ['Date'], now: new Date(instant) });

  /** Runs the CLI against a planner listing `runs` and answering a start or complete with `answer` (the run, by default). */
  const holdfast = async (args: string[], runs: ReturnType<typeof occurrence>[], answer?: (asked: Asked) => Answer) => {
    const planner = await standInService((asked) => {
      if (asked.method === 'GET' && asked.url.startsWith(`/v1/windows/${WINDOW}/occurrences`)) {
        const query = new URL(asked.url, 'http://planner').searchParams;
        const [status, from] = [query.get('status'), query.get('from')];
        // As the planner reads from: the runs not over by then.
        return { body: { windowId: WINDOW, items: runs.filter((run) => (!status || run.status === status) && (!from || run.endsAt > from)), nextCursor: null } };
      }
      if (asked.url === '/v1/regions') return { status: 404, body: { status: 404, title: 'Not Found' } };
      const number = Number(/occurrences\/(\d+)\//.exec(asked.url)?.[1]);
      return answer?.(asked) ?? { body: { ...occurrence(number, asked.url.endsWith('/start') ? 'in-progress' : 'completed'), heldBy: undefined } };
    });
    const { io, said } = specIo();
    const code = await run([...args, '--planner-url', planner.url], io);
    return { code, said, calls: planner.asked.map(({ method, url }) => `${method} ${url}`) };
  };

  it('starts the first run not started yet and not over, in start order, when no --occurrence is given', async () => {
    at('2026-06-13T20:30:00Z');
    const { code, said, calls } = await holdfast(['windows', 'start', WINDOW], [occurrence(1, 'completed'), occurrence(2, 'missed'), occurrence(3, 'held'), occurrence(4, 'scheduled')]);
    expect(code).toBe(ExitCode.ok);
    expect(calls).toEqual([`GET /v1/windows/${WINDOW}/occurrences?from=2026-06-13T20%3A30%3A00.000Z&limit=2000`, `POST /v1/windows/${WINDOW}/occurrences/3/start`]);
    expect(said.out).toMatch(new RegExp(`^run: +3 of window ${WINDOW}\\nstatus: +in-progress$`, 'm'));
    expect(said.out).toMatch(/^local start per region: IR 2026-06-14 00:30 Asia\/Tehran \(\+03:30\)$/m);
  });

  it("starts a notify-only window's run through a hold, saying on stderr which hold is in force, as the planner's notice names it, and the command that says why", async () => {
    at('2026-06-13T20:30:00Z');
    const notice = `notify-only window: it runs while held by hold ${HOLD} (IR); its owners are told (GET /v1/holds/{id} says why)`;
    const { code, said } = await holdfast(['windows', 'start', WINDOW, '--occurrence', '4'], [occurrence(4, 'scheduled')], () => ({ body: { ...occurrence(4, 'in-progress'), heldBy: undefined }, headers: { 'holdfast-notice': notice } }));
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^status: +in-progress$/m);
    expect(said.err).toBe(`holdfast: ${notice}\n  from the CLI: holdfast explain ${WINDOW} names each hold's cause\n`);
  });

  it("starts a run an override let through, saying on stderr which holds, from the planner's Holdfast-Let-Through, as holdfast gate says it", async () => {
    at('2026-06-13T20:30:00Z');
    const OTHER = '0190e0c8-0000-7000-8000-0000000000b2';
    const letThrough = (header: string) => () => ({ body: { ...occurrence(4, 'in-progress'), heldBy: undefined }, headers: { 'holdfast-let-through': header } });
    const said = `window ${WINDOW}'s run 4 is let through holds ${HOLD}, ${OTHER} by an override (holdfast audit --subject ${WINDOW} says who let it through and why)`;
    const started = await holdfast(['windows', 'start', WINDOW, '--occurrence', '4'], [occurrence(4, 'scheduled')], letThrough(`run=4; holds=${HOLD},${OTHER}`));
    expect(started.code).toBe(ExitCode.ok);
    expect(started.said.out).toMatch(/^status: +in-progress$/m);
    expect(started.said.err).toBe(`holdfast: ${said}\n`);
    // With --json the run is printed as it came, and the same said on stderr; one hold is named as one.
    const json = await holdfast(['windows', 'start', WINDOW, '--occurrence', '4', '--json'], [occurrence(4, 'scheduled')], letThrough(`run=4; holds=${HOLD}`));
    expect(JSON.parse(json.said.out)).toMatchObject({ number: 4, status: 'in-progress' });
    expect(json.said.err).toBe(`holdfast: window ${WINDOW}'s run 4 is let through hold ${HOLD} by an override (holdfast audit --subject ${WINDOW} says who let it through and why)\n`);
  });

  it('starts the run due now, not an earlier one that was held past its time and waits for a new slot', async () => {
    at('2026-06-14T20:30:00Z');
    const { code, calls } = await holdfast(['windows', 'start', WINDOW], [occurrence(3, 'needs-reschedule'), occurrence(4, 'scheduled')]);
    expect(code).toBe(ExitCode.ok);
    expect(calls.at(-1)).toBe(`POST /v1/windows/${WINDOW}/occurrences/4/start`);
  });

  it('leaves out a run held past its time that waits for a new slot, its end still to come, and names it when no other run is left', async () => {
    at('2026-06-13T21:10:00Z');
    // Run 3 (21:00-22:00) was held past its start, and run 4 is the next one due.
    const { code, calls } = await holdfast(['windows', 'start', WINDOW], [occurrence(3, 'needs-reschedule'), occurrence(4, 'scheduled')]);
    expect(code).toBe(ExitCode.ok);
    expect(calls.at(-1)).toBe(`POST /v1/windows/${WINDOW}/occurrences/4/start`);
    const waiting = await holdfast(['windows', 'start', WINDOW], [occurrence(2, 'needs-reschedule'), occurrence(3, 'needs-reschedule'), occurrence(4, 'completed')]);
    expect(waiting.code).toBe(ExitCode.error);
    expect(waiting.calls).toEqual([`GET /v1/windows/${WINDOW}/occurrences?from=2026-06-13T21%3A10%3A00.000Z&limit=2000`, `GET /v1/windows/${WINDOW}/occurrences?status=needs-reschedule&limit=2000`]);
    expect(waiting.said.err).toBe(
      `holdfast: window ${WINDOW} has no run left to start (holdfast windows occurrences ${WINDOW} lists them); runs 2, 3 wait for a new slot, each held past its time: holdfast windows start ${WINDOW} --occurrence 2 starts run 2 anyway, or holdfast windows show ${WINDOW} proposes a slot and the update that takes it\n`,
    );
  });

  it('starts or completes the run --occurrence names without listing them', async () => {
    const started = await holdfast(['windows', 'start', WINDOW, '--occurrence', '5', '--json'], []);
    expect(started.calls).toEqual([`POST /v1/windows/${WINDOW}/occurrences/5/start`]);
    expect(JSON.parse(started.said.out)).toMatchObject({ number: 5, status: 'in-progress' });
    const completed = await holdfast(['windows', 'complete', WINDOW, '--occurrence', '5'], []);
    expect(completed.calls).toEqual([`POST /v1/windows/${WINDOW}/occurrences/5/complete`]);
    expect(completed.said.out).toMatch(/^status: +completed$/m);
  });

  it('completes the run in progress', async () => {
    const { code, calls } = await holdfast(['windows', 'complete', WINDOW], [occurrence(1, 'completed'), occurrence(2, 'in-progress'), occurrence(3, 'scheduled')]);
    expect(code).toBe(ExitCode.ok);
    expect(calls).toEqual([`GET /v1/windows/${WINDOW}/occurrences?status=in-progress&limit=2000`, `POST /v1/windows/${WINDOW}/occurrences/2/complete`]);
  });

  it('says when no run is in progress to complete (1), or which ones are when several are (2)', async () => {
    const none = await holdfast(['windows', 'complete', WINDOW], [occurrence(1, 'scheduled')]);
    expect(none.code).toBe(ExitCode.error);
    expect(none.said.err).toBe(`holdfast: no run of window ${WINDOW} is in progress: holdfast windows start ${WINDOW} starts the next one\n`);
    const two = await holdfast(['windows', 'complete', WINDOW], [occurrence(1, 'in-progress'), occurrence(2, 'in-progress')]);
    expect(two.code).toBe(ExitCode.usage);
    expect(two.said.err).toContain(`runs 1, 2 of window ${WINDOW} are in progress: name one with --occurrence N`);
    const over = await holdfast(['windows', 'start', WINDOW], [occurrence(1, 'completed'), occurrence(2, 'cancelled')]);
    expect(over.code).toBe(ExitCode.error);
    expect(over.said.err).toContain(`window ${WINDOW} has no run left to start`);
  });

  it('exits 3 with the holds and when to retry when the planner answers 423, as the gate does', async () => {
    const { code, said } = await holdfast(['windows', 'start', WINDOW, '--occurrence', '1'], [], () => ({ status: 423, body: held, headers: { 'retry-after': '5400' } }));
    expect(code).toBe(ExitCode.held);
    expect(said.out).toContain(`held: ${held.detail}\n`);
    expect(said.out).toMatch(new RegExp(`^${HOLD} +manual +election night +2026-06-14 21:30 UTC +IR 2026-06-14 21:30 Asia/Tehran \\(\\+03:30\\) - 2026-06-15 01:00 \\(\\+03:30\\)$`, 'm'));
    expect(said.out).toContain(`retry after 1h 30m (2026-06-14 21:30 UTC; IR 2026-06-15 01:00 Asia/Tehran (+03:30)), when the manual hold on IR ends, or wait for it with holdfast gate --window ${WINDOW} --wait\n`);
    expect(said.out).toContain(`to run it anyway, with the reason on the audit trail: holdfast holds override ${WINDOW} --occurrence 1 --reason TEXT\n`);
  });

  it("exits 1 with the problem's detail when the planner answers 409", async () => {
    const refusal = {
      status: 409,
      title: 'Conflict',
      code: 'occurrence-not-startable',
      occurrenceStatus: 'completed',
      detail: `Occurrence 1 of window ${WINDOW} was completed at 2026-06-14T22:40:00.000Z: it does not run again. For more work, plan a new window (POST /v1/windows).`,
    };
    const { code, said } = await holdfast(['windows', 'start', WINDOW, '--occurrence', '1'], [], () => ({ status: 409, body: refusal }));
    expect(code).toBe(ExitCode.error);
    expect(said.err).toBe(`holdfast: ${refusal.detail} (occurrence-not-startable)\n  from the CLI: holdfast windows create plans a new window for more work\n`);
  });
});

describe('holdfast windows start and complete run again under the same Idempotency-Key (a retried CI step)', () => {
  afterEach(closeStandIns);
  afterEach(() => vi.useRealTimers());

  type Run = ReturnType<typeof occurrence>;

  /** A planner keeping its runs, and handling Idempotency-Keys as every service does (keyedStandInService). */
  const planner = (runs: Run[]) =>
    keyedStandInService((asked) => {
      if (asked.method === 'GET' && asked.url.startsWith(`/v1/windows/${WINDOW}/occurrences`)) {
        const query = new URL(asked.url, 'http://planner').searchParams;
        const [status, from] = [query.get('status'), query.get('from')];
        return { body: { windowId: WINDOW, items: runs.filter((one) => (!status || one.status === status) && (!from || one.endsAt > from)), nextCursor: null } };
      }
      const [, n, step] = /occurrences\/(\d+)\/(start|complete)$/.exec(asked.url)!;
      const taken = runs.find((one) => one.number === Number(n))!;
      const [from, to] = step === 'start' ? [['scheduled', 'held', 'needs-reschedule'], 'in-progress'] : [['in-progress'], 'completed'];
      if (!from.includes(taken.status)) {
        const code = step === 'start' ? 'occurrence-not-startable' : 'occurrence-not-in-progress';
        return { status: 409, body: { status: 409, title: 'Conflict', code, occurrenceStatus: taken.status, detail: `Occurrence ${n} of window ${WINDOW} is ${taken.status}.` } };
      }
      taken.status = to;
      return { body: { ...taken, heldBy: undefined } };
    });

  const holdfast = async (url: string, args: string[], env: Record<string, string> = {}) => {
    const { io, said } = specIo();
    io.env = { ...io.env, ...env };
    const code = await run([...args, '--planner-url', url], io);
    return { code, said };
  };

  it("answers a start run again as the first time, the run it started being in progress now, and starts no second run of a recurring window", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-06-10T20:30:00Z') });
    const runs = [occurrence(1, 'scheduled'), occurrence(2, 'scheduled')];
    const { url, handled } = await planner(runs);
    const start = ['windows', 'start', WINDOW, '--idempotency-key', 'deploy-4711'];
    const first = await holdfast(url, start);
    expect(first.code, first.said.err).toBe(ExitCode.ok);
    expect(first.said.out).toMatch(new RegExp(`^run: +1 of window ${WINDOW}\\nstatus: +in-progress$`, 'm'));
    // Run 1 in progress, the runs as they stand give run 2: the planner names run 1 as the key's, and its answer is given again.
    const again = await holdfast(url, start);
    expect(again.code, again.said.err).toBe(ExitCode.ok);
    expect(again.said.out).toBe(first.said.out);
    expect(handled).toEqual([`POST /v1/windows/${WINDOW}/occurrences/1/start`]);
    expect(runs.map((one) => one.status)).toEqual(['in-progress', 'scheduled']);
  });

  it('answers a start, and a complete, run again as the first time when no run is left to take', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-06-10T20:30:00Z') });
    const runs = [occurrence(1, 'scheduled')];
    const { url, handled } = await planner(runs);
    // One key for the whole job, as a CI job sets it.
    const job = { HOLDFAST_IDEMPOTENCY_KEY: 'deploy-4711' };
    for (const step of ['start', 'start', 'complete', 'complete', 'start']) {
      const { code, said } = await holdfast(url, ['windows', step, WINDOW], job);
      expect(code, `${step}: ${said.err}`).toBe(ExitCode.ok);
      expect(said.out).toMatch(new RegExp(`^status: +${step === 'start' ? 'in-progress' : 'completed'}$`, 'm'));
    }
    expect(handled).toEqual([`POST /v1/windows/${WINDOW}/occurrences/1/start`, `POST /v1/windows/${WINDOW}/occurrences/1/complete`]);
  });

  it("leaves a job's key free when a complete finds no run in progress, so the job's start and complete then take the next run", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-06-11T20:58:00Z') });
    // An hourly window whose run 1 another job completed.
    const hourly = (number: number, status: string) => ({ ...occurrence(1, status), number, startsAt: `2026-06-11T${19 + number}:00:00.000Z`, endsAt: `2026-06-11T${19 + number}:30:00.000Z` });
    const runs = [hourly(1, 'completed'), hourly(2, 'scheduled'), hourly(3, 'scheduled')];
    const { url, handled } = await planner(runs);
    const job = { HOLDFAST_IDEMPOTENCY_KEY: 'r6-jobC' };
    const early = await holdfast(url, ['windows', 'complete', WINDOW], job);
    expect(early.code).toBe(ExitCode.error);
    expect(early.said.err).toBe(`holdfast: no run of window ${WINDOW} is in progress: holdfast windows start ${WINDOW} starts the next one\n`);
    const started = await holdfast(url, ['windows', 'start', WINDOW], job);
    expect(started.code, started.said.err).toBe(ExitCode.ok);
    expect(started.said.out).toMatch(new RegExp(`^run: +2 of window ${WINDOW}\\nstatus: +in-progress$`, 'm'));
    const completed = await holdfast(url, ['windows', 'complete', WINDOW], job);
    expect(completed.code, completed.said.err).toBe(ExitCode.ok);
    expect(completed.said.out).toMatch(new RegExp(`^run: +2 of window ${WINDOW}\\nstatus: +completed$`, 'm'));
    // The probe of run 1 was refused, and its key handled anew for run 2.
    expect(handled).toEqual([`POST /v1/windows/${WINDOW}/occurrences/1/complete`, `POST /v1/windows/${WINDOW}/occurrences/2/start`, `POST /v1/windows/${WINDOW}/occurrences/2/complete`]);
    expect(runs.map((one) => one.status)).toEqual(['completed', 'completed', 'scheduled']);
  });

  it('says no run is left to start when the key was not used for one, and looks for none without a key given', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-06-10T20:30:00Z') });
    const service = await planner([occurrence(1, 'in-progress')]);
    const { url } = service;
    const unused = await holdfast(url, ['windows', 'start', WINDOW, '--idempotency-key', 'deploy-4712']);
    expect(unused.code).toBe(ExitCode.error);
    expect(unused.said.err).toBe(`holdfast: window ${WINDOW} has no run left to start (holdfast windows occurrences ${WINDOW} lists them)\n`);
    const keyless = await holdfast(url, ['windows', 'start', WINDOW]);
    expect(keyless.said.err).toBe(unused.said.err);
    const asked = service.asked.map(({ method, url: path }) => `${method} ${path.split('?')[0]}`);
    // The runs read (those to come, those waiting for a slot); the key given, every run read and the run in progress asked
    // under it (refused, so nothing done and the key left free); none given, no more.
    const [runs, post] = [`GET /v1/windows/${WINDOW}/occurrences`, `POST /v1/windows/${WINDOW}/occurrences/1/start`];
    expect(asked).toEqual([runs, runs, runs, post, runs, runs]);
  });

  it('says why the run it looked at under the key was refused when that was not for its state (a key without the scope)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-06-10T20:30:00Z') });
    const missingScope = { status: 403, title: 'Forbidden', code: 'missing-scope', requiredScope: 'windows:write', detail: 'This key lacks the windows:write scope.' };
    // No run in progress: run 1, completed, is the one looked at under the key.
    const planner = await standInService((asked) =>
      asked.method === 'GET' ? { body: { windowId: WINDOW, items: asked.url.includes('status=') ? [] : [occurrence(1, 'completed')], nextCursor: null } } : { status: 403, body: missingScope },
    );
    const { code, said } = await holdfast(planner.url, ['windows', 'complete', WINDOW, '--idempotency-key', 'deploy-4713']);
    expect(planner.asked.at(-1)).toMatchObject({ method: 'POST', url: `/v1/windows/${WINDOW}/occurrences/1/complete` });
    expect(code).toBe(ExitCode.error);
    expect(said.err).toMatch(/^holdfast: This key lacks the windows:write scope\. \(missing-scope\)\n {2}from the CLI: use a key with scope windows:write/);
  });
});

describe('holdfast windows show and occurrences, where a run moved or waits for a new slot', () => {
  afterEach(closeStandIns);

  const window = {
    windowId: WINDOW,
    version: 3,
    title: 'Core router upgrade',
    ownerTeam: 'network-ops',
    footprint: { global: false, regions: ['IR'] },
    startsAt: '2026-06-11T21:00:00.000Z',
    endsAt: '2026-06-11T22:00:00.000Z',
    plannedZone: 'Asia/Tehran',
    priority: 'routine',
    surgePolicy: 'hold',
    status: 'needs-reschedule',
    exdates: ['2026-06-18T00:30'],
  };
  const proposed = { startsAt: '2026-06-12T22:00:00.000Z', endsAt: '2026-06-12T23:00:00.000Z', expectedImpact: 0.1, localTimes: [] };

  const holdfast = async (args: string[], body: object) => {
    const planner = await standInService(() => ({ body }));
    const { io, said } = specIo();
    const code = await run([...args, '--planner-url', planner.url], io);
    return { code, said, calls: planner.asked.map(({ method, url }) => `${method} ${url}`) };
  };

  it('shows the next run where it stands, a move from the planned time, the slot proposed and how to take it, and the exdates', async () => {
    const waiting = await holdfast(['windows', 'show', WINDOW], { ...window, nextOccurrence: { ...occurrence(1, 'needs-reschedule'), proposedSlot: proposed } });
    expect(waiting.code).toBe(ExitCode.ok);
    expect(waiting.said.out).toMatch(
      new RegExp(
        `^next run: +#1 2026-06-11 21:00 UTC, needs-reschedule; proposed slot 2026-06-12 22:00 UTC to 2026-06-12 23:00 UTC \\(take it with holdfast windows update ${WINDOW} --start 2026-06-12T22:00:00.000Z --end 2026-06-12T23:00:00.000Z --version 3\\)$`,
        'm',
      ),
    );
    expect(waiting.said.out).toMatch(/^exdates: +2026-06-18T00:30$/m);
    // A hold's automatic move leaves the run scheduled at its new time.
    const moved = await holdfast(['windows', 'show', WINDOW], { ...window, status: 'scheduled', nextOccurrence: { ...occurrence(1, 'scheduled'), startsAt: '2026-06-11T23:30:00.000Z' } });
    expect(moved.said.out).toMatch(/^next run: +#1 2026-06-11 23:30 UTC, scheduled, moved from the planned time$/m);
    const none = await holdfast(['windows', 'show', WINDOW], { ...window, exdates: [], nextOccurrence: null });
    expect(none.said.out).toMatch(/^next run: +none left$/m);
    expect(none.said.out).not.toMatch(/^exdates:/m);
  });

  it('names the holds holding a held window, from its held runs, and the command that says why; nothing more for one not held', async () => {
    const OTHER = '0190e0c8-0000-7000-8000-0000000000b2';
    const planner = await standInService((asked) =>
      asked.url.startsWith(`/v1/windows/${WINDOW}/occurrences`)
        ? { body: { windowId: WINDOW, items: [{ ...occurrence(1, 'held'), heldBy: [HOLD] }, { ...occurrence(2, 'held'), heldBy: [HOLD, OTHER] }], nextCursor: null } }
        : { body: { ...window, status: 'held', nextOccurrence: occurrence(1, 'held') } },
    );
    const { io, said } = specIo();
    expect(await run(['windows', 'show', WINDOW, '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(planner.asked.map(({ method, url }) => `${method} ${url}`)).toEqual([`GET /v1/windows/${WINDOW}`, `GET /v1/windows/${WINDOW}/occurrences?status=held&limit=2000`]);
    expect(said.out).toMatch(new RegExp(`^status: +held\\nheld by: +${HOLD}, ${OTHER} \\(holdfast explain ${WINDOW} says why\\)$`, 'm'));
    // A window not held asks nothing more, and the JSON stays the planner's answer.
    const scheduled = await holdfast(['windows', 'show', WINDOW], { ...window, status: 'scheduled', nextOccurrence: occurrence(1, 'scheduled') });
    expect(scheduled.calls).toEqual([`GET /v1/windows/${WINDOW}`]);
    expect(scheduled.said.out).not.toMatch(/^held by:/m);
    const json = await holdfast(['windows', 'show', WINDOW, '--json'], { ...window, status: 'held' });
    expect(json.calls).toEqual([`GET /v1/windows/${WINDOW}`]);
  });

  it('shows a run started before its window was moved to the slot proposed for it as it is: not moved, and offered no slot', async () => {
    // The window updated to the proposed slot after its run 1, waiting for one, was started where it stood.
    const started = { ...occurrence(1, 'in-progress'), proposedSlot: proposed };
    const { code, said } = await holdfast(['windows', 'show', WINDOW], { ...window, status: 'in-progress', startsAt: proposed.startsAt, endsAt: proposed.endsAt, nextOccurrence: started });
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(/^next run: +#1 2026-06-11 21:00 UTC, in-progress$/m);
  });

  it('lists the runs of a time range, each waiting for a new slot with the slot proposed', async () => {
    const { code, said, calls } = await holdfast(['windows', 'occurrences', WINDOW, '--from', '2026-06-11T00:00:00Z', '--to', '2026-06-13T00:00:00Z'], {
      windowId: WINDOW,
      items: [{ ...occurrence(1, 'needs-reschedule'), proposedSlot: proposed }, { ...occurrence(2, 'scheduled'), letThroughBy: [HOLD] }],
      nextCursor: null,
      plannedThrough: '2026-09-11T21:00:00.000Z',
    });
    expect(code).toBe(ExitCode.ok);
    expect(calls).toEqual([`GET /v1/windows/${WINDOW}/occurrences?from=2026-06-11T00%3A00%3A00Z&to=2026-06-13T00%3A00%3A00Z&limit=2000`]);
    expect(said.out).toMatch(/^1 +needs-reschedule \(proposed 2026-06-12 22:00 UTC\) +2026-06-11 21:00 UTC/m);
    // A run let through a hold reads scheduled, naming the hold that waived it.
    expect(said.out).toMatch(new RegExp(`^2 +scheduled +2026-06-12 21:00 UTC +2026-06-12 22:00 UTC +${HOLD} \\(let through\\) `, 'm'));
    // A recurring window's later runs are not stored yet: said, so two runs are not read as all of them.
    expect(said.err).toBe('runs are stored through 2026-09-11 21:00 UTC; later ones its rule gives, if any, are added as that horizon moves on (OCCURRENCE_HORIZON_DAYS)\n');
  });
});
