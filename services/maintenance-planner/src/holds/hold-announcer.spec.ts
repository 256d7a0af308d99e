import { RegionCatalog } from '@holdfast/regions';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalTimes } from '../regions/local-times';
import type { OccurrenceRow, WindowRow } from '../windows/window-record';
import { EVENT_LIST_BYTES, HOLD_EVENT_WINDOW_LIMIT, HoldAnnouncer, listWithin, ListWithin, OCCURRENCES_A_TURN, type TouchedOccurrence, type TouchedWindow, WINDOW_EVENT_OCCURRENCE_LIMIT } from './hold-announcer';
import type { HoldRow } from './hold-record';

const announcer = new HoldAnnouncer({} as never, new LocalTimes(new RegionCatalog()));
const REGIONS = ['IR', 'DE', 'FR', 'US', 'BR', 'IN', 'JP', 'NG', 'MX', 'EG'];

/** `windows` hourly windows over `regions`, each with `occurrences` held occurrences. */
function hourlyWindows(windows: number, occurrences: number, regions: number) {
  const touched: TouchedOccurrence[] = [];
  const rows: WindowRow[] = [];
  const occurrenceRows: OccurrenceRow[] = [];
  for (let w = 0; w < windows; w++) {
    const id = randomUUID();
    const start = new Date('2026-08-01T06:00:00Z');
    rows.push({ id, version: 1, title: `hourly job ${w}`, owner_team: 'payments', footprint_global: false, footprint_regions: REGIONS.slice(0, regions), footprint_shares: null, starts_at: start, ends_at: new Date(start.getTime() + 900_000), planned_zone: 'Europe/Berlin', recurrence: 'FREQ=HOURLY', exdates: [], priority: 'routine', surge_policy: 'hold', flexibility: null, status: 'held', cancelled: false, expanded_until: start, planned_local_start: null });
    for (let n = 1; n <= occurrences; n++) {
      const at = start.getTime() + (n - 1) * 3_600_000;
      occurrenceRows.push({ window_id: id, number: n, starts_at: new Date(at), ends_at: new Date(at + 900_000), status: 'scheduled', started_at: null, completed_at: null, proposed_slot: null });
      touched.push({ window_id: id, number: n, kind: 'held', in_progress: false });
    }
  }
  return announcer.assemble(touched, rows, occurrenceRows);
}

describe('the lists a hold or window event carries', () => {
  it('keeps the leading items that fit, turning no more of them into views than it lists', () => {
    const viewed: number[] = [];
    const view = (n: number) => (viewed.push(n), { n, text: 'x'.repeat(90) });
    // Each view is about 100 bytes of JSON: 1,000 bytes hold nine of them.
    expect(listWithin([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 20, view, 1_000)).toMatchObject({ truncated: true, listed: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }, { n: 5 }, { n: 6 }, { n: 7 }, { n: 8 }, { n: 9 }] });
    expect(viewed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(listWithin([1, 2, 3], 2, view, 1_000)).toMatchObject({ truncated: true, listed: [{ n: 1 }, { n: 2 }] });
    expect(listWithin([1, 2], 2, view, 1_000)).toMatchObject({ truncated: false, listed: [{ n: 1 }, { n: 2 }] });
  });

  it('builds the same list a range of items at a time, viewing none past the point where it is full', () => {
    const items = Array.from({ length: 12 }, (_, index) => index + 1);
    const viewed: number[] = [];
    const view = (n: number) => (viewed.push(n), { n, text: 'x'.repeat(90) });
    const list = new ListWithin(20, view, 1_000);
    expect([list.add(items, 0, 4), list.add(items, 4, 8), list.add(items, 8, 12)]).toEqual([true, true, false]);
    expect(list.of(items)).toEqual(listWithin(items, 20, (n) => ({ n, text: 'x'.repeat(90) }), 1_000));
    expect(viewed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("lists a hold's windows in full while they fit the budget: 200 hourly windows in ten regions, 32 MB in full, stay under it and say so", () => {
    const { windows, windowsTruncated } = announcer.holdWindows(hourlyWindows(HOLD_EVENT_WINDOW_LIMIT, 100, 10), ['IR']);
    expect(Buffer.byteLength(JSON.stringify(windows))).toBeLessThanOrEqual(EVENT_LIST_BYTES);
    expect(windows.length).toBeGreaterThan(0);
    expect(windows[0].occurrences).toHaveLength(100);
    expect(windowsTruncated).toBe(true);
  });

  it('lists every window of a small hold, and every occurrence of a window that fits, with no truncation flag', () => {
    const windows = hourlyWindows(3, 24, 2);
    expect(announcer.holdWindows(windows, ['IR'])).toMatchObject({ windowsTruncated: false, windows: [{ occurrences: expect.any(Array) }, {}, {}] });
    // Only the listable windows of a large hold are read: the count of all it holds says the list is cut.
    expect(announcer.holdWindows(windows, ['IR'], 30_961)).toMatchObject({ windowsTruncated: true, windows: [{}, {}, {}] });
    const listed = announcer.occurrencesOf(windows[0], ['IR']);
    expect(listed.occurrences).toHaveLength(24);
    expect(listed).not.toHaveProperty('occurrencesTruncated');
  });

  it("cuts a window event's occurrences at 1000 in one region, and sooner in ten, flagging both", () => {
    const counts = [1, 10].map((regions) => {
      const listed = announcer.occurrencesOf(hourlyWindows(1, 1_300, regions)[0], ['IR']);
      expect(listed.occurrencesTruncated).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(listed.occurrences))).toBeLessThanOrEqual(EVENT_LIST_BYTES);
      return listed.occurrences.length;
    });
    expect(counts[0]).toBe(1000);
    expect(counts[1]).toBeGreaterThan(100);
    expect(counts[1]).toBeLessThan(1000);
  });
});

describe("a large hold's window events", () => {
  const hold = { id: randomUUID(), regions: ['IR'] } as HoldRow;
  const options = { source: 'holdfast/maintenance-planner', time: new Date('2026-08-01T00:00:00Z') };

  /** inTurns over `windows`, with how many runs had been viewed and windows built at each turn the event loop took meanwhile. */
  async function builtInTurns(windows: TouchedWindow[]) {
    const held = announcer.heldAnnouncement(hold, options);
    let viewed = 0;
    const counted = windows.map((window) => ({ ...window, occurrences: window.occurrences.map((entry) => ({ ...entry, get row() { viewed++; return entry.row; } })) }));
    const built: string[] = [];
    const turns: { viewed: number; built: number }[] = [];
    let building = true;
    const waiting = () =>
      setImmediate(() => {
        turns.push({ viewed, built: built.length });
        if (building) waiting();
      });
    waiting();
    const events = await announcer.inTurns(counted, { ...held, event: (window, listed) => (built.push(window.row.id), held.event(window, listed)) });
    building = false;
    return { events, turns: turns.filter((turn) => turn.built < windows.length) };
  }

  it(`are built ${OCCURRENCES_A_TURN} listed occurrences at a time, the event loop let run in between, and say what they said built in one block`, async () => {
    // Ten windows of two fifths of a turn each: a turn after the third window, the sixth and the ninth.
    const windows = hourlyWindows(10, (OCCURRENCES_A_TURN * 2) / 5, 1);
    const { events, turns } = await builtInTurns(windows);
    expect(turns.map((turn) => turn.built)).toEqual([3, 6, 9]);
    const inOneBlock = announcer.windowHeldEvents(hold, windows, options);
    expect(events.map((event) => [event.subject, event.data])).toEqual(inOneBlock.map((event) => [event.subject, event.data]));
    expect(events).toHaveLength(10);
  });

  it(`build a window's event of ${WINDOW_EVENT_OCCURRENCE_LIMIT} listed runs over turns of ${OCCURRENCES_A_TURN}, the event the same and still cut`, async () => {
    const windows = hourlyWindows(2, 1_300, 1);
    const { events, turns } = await builtInTurns(windows);
    // The first window's runs viewed a turn at a time, its event made with its last hundred, then the second's.
    expect(turns.map((turn) => turn.viewed)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1_000, 1_100, 1_200, 1_300, 1_400, 1_500, 1_600, 1_700, 1_800, 1_900]);
    expect(turns.map((turn) => turn.built)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const inOneBlock = announcer.windowHeldEvents(hold, windows, options);
    expect(events.map((event) => [event.subject, event.data])).toEqual(inOneBlock.map((event) => [event.subject, event.data]));
    expect(events[0].data).toMatchObject({ occurrencesTruncated: true, occurrences: expect.objectContaining({ length: WINDOW_EVENT_OCCURRENCE_LIMIT }) });
  });

  it('flag a window read with one run past the limit as cut, and one with the limit exactly as whole', async () => {
    const [past, exact] = [WINDOW_EVENT_OCCURRENCE_LIMIT + 1, WINDOW_EVENT_OCCURRENCE_LIMIT].map((runs) => hourlyWindows(1, runs, 1)[0]);
    const { events } = await builtInTurns([past, exact]);
    expect(events.map((event) => [(event.data as { occurrences: unknown[] }).occurrences.length, 'occurrencesTruncated' in event.data])).toEqual([
      [WINDOW_EVENT_OCCURRENCE_LIMIT, true],
      [WINDOW_EVENT_OCCURRENCE_LIMIT, false],
    ]);
  });
});

describe("a hold's period in its regions' local times", () => {
  const hold = (from: string, until: string | null) => ({ regions: ['DE', 'IR'], from_at: new Date(from), until_at: until ? new Date(until) : null }) as HoldRow;

  it('gives its end the offset in force at its end: across the night Berlin leaves summer time the two differ', () => {
    expect(announcer.periodLocalTimes(hold('2026-10-24T20:00:00Z', '2026-10-25T04:00:00Z'))).toEqual([
      { region: 'DE', zone: 'Europe/Berlin', fromLocal: '2026-10-24T22:00', untilLocal: '2026-10-25T05:00', offset: '+02:00', untilOffset: '+01:00' },
      { region: 'IR', zone: 'Asia/Tehran', fromLocal: '2026-10-24T23:30', untilLocal: '2026-10-25T07:30', offset: '+03:30', untilOffset: '+03:30' },
    ]);
  });

  it('gives an open-ended hold neither an end nor its offset', () => {
    expect(announcer.periodLocalTimes(hold('2026-10-24T20:00:00Z', null))[0]).toEqual({ region: 'DE', zone: 'Europe/Berlin', fromLocal: '2026-10-24T22:00', offset: '+02:00' });
  });

  it('gives a released hold the period it was in force, from its start to its release, whatever end it was placed with', () => {
    // A surge's hold placed open-ended, or with an expected end it outlasted, released after the night Berlin left summer time.
    for (const placed of [hold('2026-10-24T20:00:00Z', null), hold('2026-10-24T20:00:00Z', '2026-10-25T00:00:00Z')]) {
      expect(announcer.releasedPeriodLocalTimes(placed, new Date('2026-10-25T04:10:00Z'))).toEqual([
        { region: 'DE', zone: 'Europe/Berlin', fromLocal: '2026-10-24T22:00', untilLocal: '2026-10-25T05:10', offset: '+02:00', untilOffset: '+01:00' },
        { region: 'IR', zone: 'Asia/Tehran', fromLocal: '2026-10-24T23:30', untilLocal: '2026-10-25T07:40', offset: '+03:30', untilOffset: '+03:30' },
      ]);
    }
  });

  it('gives a hold declared ahead and released before it began a period that ends where it begins, never before', () => {
    expect(announcer.releasedPeriodLocalTimes(hold('2026-10-24T20:00:00Z', '2026-10-25T04:00:00Z'), new Date('2026-10-20T09:00:00Z'))[0]).toEqual({
      region: 'DE',
      zone: 'Europe/Berlin',
      fromLocal: '2026-10-24T22:00',
      untilLocal: '2026-10-24T22:00',
      offset: '+02:00',
      untilOffset: '+02:00',
    });
  });
});

describe("a hold event's windows", () => {
  it('name the zone each window was planned in, which its runs\' local times (each region\'s principal zone) do not: Lord Howe Island for AU', () => {
    // 02:00-03:00 on Lord Howe Island (UTC+10:30 in the southern winter) is 01:30-02:30 in Sydney.
    const id = randomUUID();
    const start = new Date('2027-06-05T15:30:00Z');
    const row: WindowRow = { id, version: 1, title: 'LH winter 0200', owner_team: 'tz-review', footprint_global: false, footprint_regions: ['AU'], footprint_shares: null, starts_at: start, ends_at: new Date(start.getTime() + 3_600_000), planned_zone: 'Australia/Lord_Howe', recurrence: null, exdates: [], priority: 'routine', surge_policy: 'hold', flexibility: null, status: 'held', cancelled: false, expanded_until: start, planned_local_start: null };
    const run: OccurrenceRow = { window_id: id, number: 1, starts_at: start, ends_at: row.ends_at, status: 'scheduled', started_at: null, completed_at: null, proposed_slot: null };
    const [window] = announcer.assemble([{ window_id: id, number: 1, kind: 'held', in_progress: false }], [row], [run]);
    const { windows } = announcer.holdWindows([window], ['AU']);
    expect(windows).toMatchObject([{ windowId: id, plannedZone: 'Australia/Lord_Howe', occurrences: [{ localTimes: [{ region: 'AU', zone: 'Australia/Sydney', startsAtLocal: '2027-06-06T01:30' }] }] }]);
    // hold.overridden's window is the same view.
    expect(announcer.holdWindow(window, ['AU']).plannedZone).toBe('Australia/Lord_Howe');
  });
});
