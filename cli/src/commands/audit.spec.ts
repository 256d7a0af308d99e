import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

const WINDOW = '0190e0c8-0000-7000-8000-0000000000f1';
const HOLD = '0190e0c8-0000-7000-8000-0000000000b1';
const KEY = 'ops/acb7a77d440c9ef2';

const entry = (subjectType: string, action: string, details: Record<string, unknown>, extra: { actor?: string; reason?: string } = {}) => ({
  subjectType,
  subjectId: subjectType === 'hold' ? HOLD : WINDOW,
  action,
  actor: extra.actor ?? KEY,
  at: '2026-12-07T03:00:00.000Z',
  reason: extra.reason ?? null,
  causeEventId: null,
  details: extra.reason ? { ...details, reason: extra.reason } : details,
});

describe('holdfast audit', () => {
  afterEach(closeStandIns);

  const holdfast = async (args: string[], items: unknown[]) => {
    const planner = await standInService(() => ({ body: { items, nextCursor: null } }));
    const { io, said } = specIo();
    const code = await run(['audit', ...args, '--planner-url', planner.url], io);
    return { code, said };
  };
  /** The ABOUT cell of each row, each row's ACTOR starting where its header does: the column is aligned as the others. */
  const about = (out: string) => {
    const [header, , ...rows] = out.trimEnd().split('\n');
    const [from, to] = [header.indexOf('ABOUT'), header.indexOf('ACTOR')];
    for (const row of rows) expect(row.slice(to - 2, to + 1), row).toMatch(/^ {2}\S$/);
    return rows.map((row) => row.slice(from, to).trimEnd());
  };

  it("says of a window's entries which run, which hold and what changed", async () => {
    const overridden = (occurrence: number | null) => entry('window', 'overridden', { holdId: HOLD, occurrence }, { reason: 'R5 extend count' });
    const { code, said } = await holdfast(
      ['--subject', WINDOW],
      [
        entry('window', 'scheduled', { title: 'IR patch', startsAt: '2026-12-08T02:00:00.000Z' }),
        entry('window', 'held', { holdId: HOLD, occurrences: [8, 9, 10, 11, 12, 14], kind: 'held' }, { actor: `hold:${HOLD}` }),
        overridden(8),
        overridden(9),
        overridden(null),
        entry('window', 'updated', { changes: ['exdates'], version: 3, cancelled: [2], reinstated: [4, 5] }),
        entry('window', 'released', { occurrences: [8], kind: 'notify-only' }),
      ],
    );
    expect(code).toBe(ExitCode.ok);
    expect(about(said.out)).toEqual([
      '"IR patch"; starts 2026-12-08 02:00 UTC',
      `runs 8-12, 14; hold ${HOLD}`,
      `run 8; hold ${HOLD}`,
      `run 9; hold ${HOLD}`,
      `every run; hold ${HOLD}`,
      'changed exdates; cancelled run 2; reinstated runs 4, 5; version 3',
      'run 8; notify-only',
    ]);
  });

  it("names a run's start when the entry gives it, and the run alone when it does not", async () => {
    const { said } = await holdfast(
      [],
      [
        entry('occurrence', 'missed', { number: 3, startsAt: '2026-12-08T15:00:00.000Z' }),
        entry('occurrence', 'missed', { number: 4 }),
        entry('occurrence', 'rescheduled', { number: 1, holdId: HOLD, automatic: true, previous: { startsAt: '2026-12-07T03:23:00.000Z', endsAt: '2026-12-07T03:28:00.000Z' }, startsAt: '2026-12-07T03:25:00.000Z', endsAt: '2026-12-07T03:30:00.000Z' }),
        entry('occurrence', 'needs-reschedule', { number: 2, holdId: HOLD, proposedSlot: null }),
      ],
    );
    expect(about(said.out)).toEqual([
      'run 3 at 2026-12-08 15:00 UTC',
      'run 4',
      `run 1 at 2026-12-07 03:25 UTC; moved from 2026-12-07 03:23 UTC; automatic; hold ${HOLD}`,
      `run 2; hold ${HOLD}; no slot found`,
    ]);
  });

  it("says of a hold's entries which window and run, its regions and period, and how many runs", async () => {
    const { said } = await holdfast(
      ['--subject', HOLD],
      [
        entry('hold', 'placed', { from: '2026-12-15T00:00:00.000Z', until: null, regions: ['ES', 'PT'], occurrences: 3 }, { reason: 'manual hold' }),
        entry('hold', 'overridden', { windowId: WINDOW, occurrence: 8 }, { reason: 'R5 extend count' }),
        entry('hold', 'cleared', { clearedAt: '2026-12-07T02:59:37.625Z', releaseDueAt: '2026-12-07T03:00:07.625Z' }),
        entry('hold', 'released', { occurrences: 1 }, { reason: 'cool-down passed' }),
      ],
    );
    expect(about(said.out)).toEqual([
      'regions ES,PT; from 2026-12-15 00:00 UTC; until released; 3 runs',
      `window ${WINDOW}; run 8`,
      'cleared 2026-12-07 02:59 UTC; release due 2026-12-07 03:00 UTC',
      '1 run',
    ]);
  });

  it('shows a detail it has no words for as it came, cut short, and one of a shape it does not know the same way', async () => {
    const { said } = await holdfast(
      [],
      [
        entry('window', 'runs-off-zone-rules', { release: '2026c', runs: 3, replanFrom: { startsAt: '2026-03-29T01:00:00.000Z', endsAt: '2026-03-29T02:00:00.000Z' } }, { reason: 'off its rule' }),
        entry('window', 'updated', { changes: 'title', version: 2 }),
        entry('window', 'cancelled', {}, { reason: 'no longer needed' }),
      ],
    );
    expect(about(said.out)).toEqual(['3 runs; tzdata 2026c; replanFrom={"startsAt":"2026-03-29T01:00:00.000Z","endsAt":"2026-03-29…', 'changes=title; version 2', '-']);
  });

  it("shows a terminal control in a detail as its escape, its row's columns kept in line", async () => {
    const { said } = await holdfast([], [entry('window', 'scheduled', { title: 'patch\u001b[2J', startsAt: '2026-12-08T02:00:00.000Z' })]);
    expect(about(said.out)).toEqual(['"patch\\u001b[2J"; starts 2026-12-08 02:00 UTC']);
  });

  it("gives a change's cancelled and reinstated runs with their starts, and a tab in a detail as its escape", async () => {
    const { said } = await holdfast(
      [],
      [
        entry('window', 'updated', { changes: ['exdates'], reinstated: [3], reinstatedRuns: [{ number: 3, startsAt: '2026-12-10T10:30:00.000Z' }], cancelled: [], cancelledRuns: [], version: 7 }),
        entry('window', 'scheduled', { title: 'patch\tnight', startsAt: '2026-12-08T02:00:00.000Z' }),
      ],
    );
    expect(about(said.out)).toEqual(['changed exdates; reinstated run 3 at 2026-12-10 10:30 UTC; version 7', '"patch\\u0009night"; starts 2026-12-08 02:00 UTC']);
  });

  it('--json: prints the API answer as it came, details and all', async () => {
    const items = [entry('window', 'overridden', { holdId: HOLD, occurrence: 8, note: 'kept' }, { reason: 'R5 extend count' })];
    const { said } = await holdfast(['--json'], items);
    expect(JSON.parse(said.out)).toEqual({ items, nextCursor: null });
  });
});
