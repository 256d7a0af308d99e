import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../cli-io';
import { run } from '../main';
import { closeStandIns, specIo, standInService } from '../testing/stand-in-service';

const WINDOW = '0190e0c8-0000-7000-8000-0000000000f2';
const HOLD = '0190e0c8-0000-7000-8000-0000000000b2';

const window = {
  windowId: WINDOW,
  version: 1,
  title: 'DNS provider change',
  ownerTeam: 'network-ops',
  footprint: { global: true, regions: [] },
  startsAt: '2026-12-07T19:36:00.000Z',
  endsAt: '2026-12-07T20:36:00.000Z',
  plannedZone: 'America/Sao_Paulo',
  recurrence: 'FREQ=DAILY;COUNT=2',
  priority: 'routine',
  surgePolicy: 'hold',
  status: 'held',
  localTimes: [],
};
const BR = { region: 'BR', zone: 'America/Sao_Paulo', startsAtLocal: '2026-12-07T16:36', endsAtLocal: '2026-12-07T17:36', offset: '-03:00', endOffset: '-03:00' };
// Run 1 held by a BR surge, in its hold's local times; run 2 in no hold, with none.
const runs = [
  { number: 1, status: 'held', startsAt: '2026-12-07T19:36:00.000Z', endsAt: '2026-12-07T20:36:00.000Z', heldBy: [HOLD], letThroughBy: [], localTimes: [BR] },
  { number: 2, status: 'scheduled', startsAt: '2026-12-08T19:36:00.000Z', endsAt: '2026-12-08T20:36:00.000Z', heldBy: [], letThroughBy: [], localTimes: [] },
];

describe("holdfast windows occurrences: a global window's runs in local time", () => {
  afterEach(closeStandIns);

  const holdfast = async (items: object[]) => {
    const planner = await standInService((asked) =>
      asked.url.startsWith(`/v1/windows/${WINDOW}/occurrences`) ? { body: { windowId: WINDOW, items, nextCursor: null, plannedThrough: null } } : { body: window },
    );
    const { io, said } = specIo();
    const code = await run(['windows', 'occurrences', WINDOW, '--planner-url', planner.url], io);
    return { code, said, calls: planner.asked.map(({ method, url }) => `${method} ${url}`) };
  };

  it("shows a run no hold names in the window's planned zone, as windows show does, and a held run in its hold's regions", async () => {
    const { code, said, calls } = await holdfast(runs);
    expect(code).toBe(ExitCode.ok);
    expect(said.out).toMatch(new RegExp(`^1 +held +2026-12-07 19:36 UTC +2026-12-07 20:36 UTC +${HOLD} +BR 2026-12-07 16:36 America/Sao_Paulo \\(-03:00\\)$`, 'm'));
    expect(said.out).toMatch(/^2 +scheduled +2026-12-08 19:36 UTC +2026-12-08 20:36 UTC +- +planned 2026-12-08 16:36 America\/Sao_Paulo \(-03:00\)$/m);
    // The window read once, for its zone, after its runs.
    expect(calls).toEqual([`GET /v1/windows/${WINDOW}/occurrences?limit=2000`, `GET /v1/windows/${WINDOW}`]);
  });

  it('reads no window when every run names its regions, nor for --json, which prints the runs as they came', async () => {
    const held = await holdfast(runs.slice(0, 1));
    expect(held.calls).toEqual([`GET /v1/windows/${WINDOW}/occurrences?limit=2000`]);
    const planner = await standInService(() => ({ body: { windowId: WINDOW, items: runs, nextCursor: null, plannedThrough: null } }));
    const { io, said } = specIo();
    expect(await run(['windows', 'occurrences', WINDOW, '--json', '--planner-url', planner.url], io)).toBe(ExitCode.ok);
    expect(JSON.parse(said.out).items.map((item: { localTimes: object[] }) => item.localTimes)).toEqual([[BR], []]);
    expect(planner.asked.map(({ url }) => url)).toEqual([`/v1/windows/${WINDOW}/occurrences?limit=2000`]);
  });
});
