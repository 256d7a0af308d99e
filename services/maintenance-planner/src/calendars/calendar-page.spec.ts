import { RegionCatalog } from '@holdfast/regions';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { CALENDAR_SCRIPT } from './calendar-page';

/** As much of a DOM element as the page's script uses: text, children, attributes, dataset and listeners. */
class PageElement {
  children: PageElement[] = [];
  dataset: Record<string, string> = {};
  className = '';
  value = '';
  hidden = false;
  tabIndex = -1;
  private text = '';
  private readonly attributes = new Map<string, string>();
  private readonly listeners = new Map<string, (event: { preventDefault: () => void }) => void>();

  constructor(readonly tagName: string) {}

  get textContent(): string {
    return this.text + this.children.map((child) => child.textContent).join('');
  }

  set textContent(text: string) {
    this.text = text;
    this.children = [];
  }

  appendChild(child: PageElement): PageElement {
    this.children.push(child);
    return child;
  }

  setAttribute(name: string, value: string): void {
    this.attributes.set(name, value);
  }

  getAttribute(name: string): string | null {
    return this.attributes.get(name) ?? null;
  }

  addEventListener(type: string, listener: (event: { preventDefault: () => void }) => void): void {
    this.listeners.set(type, listener);
  }

  /** What a person's click or Enter does: the listener the script added for it. */
  dispatch(type: string): void {
    this.listeners.get(type)?.({ preventDefault: () => undefined });
  }

  querySelector(): null {
    return null;
  }
}

/** A window as GET /v1/windows/{id} answers it, as far as the page reads it. */
interface PlannedWindow {
  windowId: string;
  title: string;
  ownerTeam: string;
  plannedZone: string;
  footprint: { global: boolean; regions: string[] };
  surgePolicy: string;
  version?: number;
  /** The first run not over, as `holdfast windows show` reads it. */
  nextOccurrence?: object | null;
}

interface PlannerAnswers {
  windows: PlannedWindow[];
  /** Each window's runs, by window id. */
  runs: Record<string, { number: number; startsAt: string; endsAt: string }[]>;
  /** Each window's GET /v1/windows/{id}/explanation, by window id. */
  explanations?: Record<string, object>;
  /** The active holds; none when not given. */
  holds?: object[];
}

/** A planner's answer other than the page's data: a refusal or a failure, as a problem document. */
interface Refusal {
  status: number;
  retryAfter?: string;
  detail: string;
}

interface PageOptions {
  /** The answer the planner gives a request instead of its data, if any. */
  refuse?: (path: string) => Refusal | undefined;
  /** The page's clock (Date.now and new Date()), in milliseconds; the machine's when not given. */
  clock?: { now: number };
  /** The live refresh's timer is kept too, to fire by hand; without, the live refresh never starts. */
  live?: boolean;
  /** The runs a page of GET /v1/occurrences holds: 2000, the planner's default, when not given. */
  runsPerPage?: number;
}

/** The page's script at work: its elements, what it asked the planner, and the waits it scheduled. */
interface OpenedPage {
  byId: (id: string) => PageElement;
  /** What passed between page and planner, in order: each request sent, with what the page's status said then, and each answer's status. */
  exchanges: { path: string; said?: string; answered?: number }[];
  /** The requests under way now, and the most ever under way at once. */
  underWay: () => number;
  mostAtOnce: () => number;
  /** The waits the page scheduled (the live refresh's first one only when options.live), each fired by hand. */
  timers: { ms: number; fire: () => void }[];
}

/** Date as a page whose clock reads `clock.now` has it. */
function dateOn(clock: { now: number }): DateConstructor {
  return class extends Date {
    constructor(...given: [] | [string | number]) {
      super(given.length === 0 ? clock.now : given[0]);
    }

    static override now(): number {
      return clock.now;
    }
  } as DateConstructor;
}

/**
 * The page's script run on a stand-in document, its key already typed, opened at `search`, against
 * a planner answering the regions of the catalog and `answers`, each answer a turn of the event loop
 * later, so that requests can be under way together.
 */
function openPage(search: string, answers: PlannerAnswers, options: PageOptions = {}): OpenedPage {
  const elements = new Map<string, PageElement>();
  const byId = (id: string) => elements.get(id) ?? elements.set(id, new PageElement('element')).get(id)!;
  const regions = new RegionCatalog().list().map(({ code, name, kind, zone, zones }) => ({ code, name, kind, zone, zones }));
  /** GET /v1/occurrences: the runs overlapping from-to, each with its window's fields, in start order, a page of runsPerPage at a time. */
  const runsPage = (path: string): object => {
    const query = new URL(path, 'http://planner.invalid').searchParams;
    const [from, to] = [Date.parse(query.get('from')!), Date.parse(query.get('to')!)];
    const listed = answers.windows
      .flatMap(({ windowId, title, ownerTeam, footprint, plannedZone, surgePolicy }) =>
        (answers.runs[windowId] ?? []).map((run) => ({ windowId, title, ownerTeam, footprint, plannedZone, surgePolicy, ...run })),
      )
      .filter((run) => Date.parse(run.endsAt) > from && Date.parse(run.startsAt) < to)
      .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || (a.windowId < b.windowId ? -1 : a.windowId > b.windowId ? 1 : a.number - b.number));
    const perPage = options.runsPerPage ?? 2000;
    const at = Number(query.get('cursor') ?? 0);
    return { items: listed.slice(at, at + perPage), nextCursor: at + perPage < listed.length ? String(at + perPage) : null };
  };
  const answer = (path: string): object => {
    if (path === '/v1/regions') return { items: regions };
    if (path.startsWith('/v1/occurrences?')) return runsPage(path);
    if (path.startsWith('/v1/holds?')) return { items: answers.holds ?? [], nextCursor: null };
    if (path.startsWith('/v1/gate?')) return { allowed: true };
    const [, , , windowId, detail] = path.split('/');
    if (detail === 'explanation') return answers.explanations![windowId];
    if (detail === undefined) return answers.windows.find((window) => window.windowId === windowId)!;
    return { items: answers.runs[windowId] ?? [], nextCursor: null };
  };
  const exchanges: OpenedPage['exchanges'] = [];
  let underWay = 0;
  let mostAtOnce = 0;
  const fetch = (path: string) => {
    exchanges.push({ path, said: byId('status').textContent });
    underWay += 1;
    mostAtOnce = Math.max(mostAtOnce, underWay);
    const refusal = options.refuse?.(path);
    const status = refusal?.status ?? 200;
    const body = refusal ? { type: 'about:blank', title: 'Refused', status, detail: refusal.detail } : answer(path);
    return new Promise((resolve) =>
      setImmediate(() => {
        underWay -= 1;
        exchanges.push({ path, answered: status });
        resolve({
          ok: status < 300,
          status,
          statusText: refusal ? 'Refused' : 'OK',
          headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? (refusal?.retryAfter ?? null) : null) },
          text: () => Promise.resolve(JSON.stringify(body)),
        });
      }),
    );
  };
  const timers: OpenedPage['timers'] = [];
  // The timer the script sets as it starts is the live refresh's: unless it is under test, it never fires.
  let started = false;
  const setTimeout = (fire: () => void, ms: number) => {
    if (started || options.live) timers.push({ ms, fire });
  };
  runInNewContext(CALENDAR_SCRIPT, {
    document: { getElementById: byId, createElement: (tag: string) => new PageElement(tag), activeElement: null },
    sessionStorage: { getItem: (name: string) => (name === 'holdfastKey' ? 'hf_test' : null), setItem: () => undefined },
    location: { search },
    URLSearchParams,
    fetch,
    setTimeout,
    Date: options.clock ? dateOn(options.clock) : Date,
  });
  started = true;
  return { byId, exchanges, underWay: () => underWay, mostAtOnce: () => mostAtOnce, timers };
}

/** The page opened as openPage opens it; resolves with its elements by id once the week is drawn. */
async function pageDrawn(search: string, answers: PlannerAnswers): Promise<(id: string) => PageElement> {
  const { byId } = openPage(search, answers);
  await vi.waitFor(() => expect(byId('status').textContent).toMatch(/^Week of /));
  return byId;
}

/** Each occurrence card's accessible name, by the day it is in. */
function cardsByDay(byId: (id: string) => PageElement): Record<string, string[]> {
  return Object.fromEntries(
    byId('week').children.map((day) => [day.dataset.day, day.children.filter((child) => child.tagName === 'article').map((card) => card.getAttribute('aria-label')!)]),
  );
}

/** The week drawn: each occurrence card's accessible name, by the day it is in. */
async function weekDrawn(search: string, answers: PlannerAnswers): Promise<Record<string, string[]>> {
  return cardsByDay(await pageDrawn(search, answers));
}

/** A window of network-ops on `regions`, or a global one when none are given. */
const window = (windowId: string, title: string, plannedZone: string, regions: string[] = []) => ({
  windowId,
  title,
  ownerTeam: 'network-ops',
  plannedZone,
  footprint: { global: regions.length === 0, regions },
  surgePolicy: 'hold',
  status: 'scheduled',
});
const run = (startsAt: string, endsAt: string, number = 1) => ({ number, startsAt, endsAt, status: 'scheduled', heldBy: [] });

describe('the calendar page script', () => {
  it('takes a browser zone named by a tzdb alias to the zone its list has, not to UTC', () => {
    const links = JSON.parse(/var ZONE_LINKS = (\{.*\});/.exec(CALENDAR_SCRIPT)?.[1] ?? '{}') as Record<string, string>;
    const listed = new Set(new RegionCatalog().list().flatMap((region) => region.zones));
    // What ICU (Node 20, Chrome) reports for India, Nepal and Ukraine.
    for (const browserZone of ['Asia/Calcutta', 'Asia/Katmandu', 'Europe/Kiev']) {
      expect(listed.has(browserZone)).toBe(false);
      expect(listed.has(links[browserZone]), browserZone).toBe(true);
    }
  });

  it("gives a Lord Howe window's run its own times too, named, where AU's Australia/Sydney reads them half an hour off; a window in its region's principal zone reads as before", async () => {
    const answers = {
      // 02:00 on Lord Howe Island in its winter (+10:30) is 01:30 in Sydney (+10:00).
      windows: [
        window('lord-howe', 'Island uplink swap', 'Australia/Lord_Howe', ['AU']),
        window('sydney', 'Core switch reboot', 'Australia/Sydney', ['AU']),
        window('berlin', 'Firewall rules refresh', 'Europe/Berlin', ['DE']),
        window('global-lord-howe', 'DNS failover drill', 'Australia/Lord_Howe'),
        window('global-berlin', 'CDN cache purge', 'Europe/Berlin'),
      ],
      runs: {
        'lord-howe': [run('2027-06-15T15:30:00Z', '2027-06-15T16:30:00Z')],
        sydney: [run('2027-06-16T16:00:00Z', '2027-06-16T17:00:00Z')],
        berlin: [run('2027-06-17T00:30:00Z', '2027-06-17T01:30:00Z')],
        'global-lord-howe': [run('2027-06-17T15:30:00Z', '2027-06-17T16:30:00Z')],
        'global-berlin': [run('2027-06-18T00:30:00Z', '2027-06-18T01:30:00Z')],
      },
    };
    const week = await weekDrawn('?region=AU&zone=Australia/Sydney&week=2027-06-14', answers);
    expect(week['2027-06-16']).toEqual(['01:30–02:30 Island uplink swap. network-ops · AU · scheduled. In Australia/Lord_Howe, its planned zone: 02:00–03:00']);
    expect(week['2027-06-17']).toEqual(['02:00–03:00 Core switch reboot. network-ops · AU · scheduled', '10:30–11:30 Firewall rules refresh. network-ops · DE · scheduled']);
    expect(week['2027-06-18']).toEqual([
      '01:30–02:30 DNS failover drill. network-ops · global · scheduled. In Australia/Lord_Howe, its planned zone: 02:00–03:00',
      '10:30–11:30 CDN cache purge. network-ops · global · scheduled',
    ]);
  });

  it('marks with its UTC offset each time of a run that crosses a fall-back change or falls in the hour it repeats, in the card, its name, its planned zone and its proposed slot; other runs read as before', async () => {
    // Chile falls back at 03:00Z on 4 April 2027 (00:00 -03 -> 23:00 -04): 23:00-00:00 on the 3rd happens twice.
    const waiting = { ...run('2027-04-01T14:00:00Z', '2027-04-01T14:20:00Z'), status: 'needs-reschedule', proposedSlot: { startsAt: '2027-04-04T02:45:00Z', endsAt: '2027-04-04T03:05:00Z' } };
    const answers = {
      windows: [
        window('across', 'CL first pass 2330', 'America/Santiago', ['CL']),
        window('second', 'CL second pass', 'America/Santiago', ['CL']),
        window('after', 'CL after the change', 'America/Santiago', ['CL']),
        window('ordinary', 'CL midweek patch', 'America/Santiago', ['CL']),
        window('waiting', 'CL moved patch', 'America/Santiago', ['CL']),
        window('argentina', 'AR link drill', 'America/Santiago', ['AR']),
      ],
      runs: {
        across: [run('2027-04-04T02:30:00Z', '2027-04-04T03:15:00Z')],
        second: [run('2027-04-04T03:10:00Z', '2027-04-04T03:40:00Z')],
        after: [run('2027-04-04T04:00:00Z', '2027-04-04T05:00:00Z')],
        ordinary: [run('2027-03-31T15:00:00Z', '2027-03-31T16:00:00Z')],
        waiting: [waiting],
        argentina: [run('2027-04-04T02:30:00Z', '2027-04-04T03:15:00Z')],
      },
    };
    const santiago = await weekDrawn('?zone=America/Santiago&week=2027-03-29', answers);
    expect(santiago['2027-03-31']).toEqual(['12:00–13:00 CL midweek patch. network-ops · CL · scheduled']);
    expect(santiago['2027-04-01']).toEqual(['11:00–11:20 CL moved patch. network-ops · CL · needs-reschedule. Waits for a new slot: held past its time. Proposed slot: 2027-04-03 23:45 (−03:00) – 23:05 (−04:00)']);
    expect(santiago['2027-04-03']).toEqual([
      '23:30 (−03:00) – 23:15 (−04:00) CL first pass 2330. network-ops · CL · scheduled',
      '23:30 (−03:00) – 23:15 (−04:00) AR link drill. network-ops · AR · scheduled',
      '23:10 (−04:00) – 23:40 (−04:00) CL second pass. network-ops · CL · scheduled',
    ]);
    expect(santiago['2027-04-04']).toEqual(['00:00–01:00 CL after the change. network-ops · CL · scheduled']);
    // Buenos Aires keeps -03 all year: its times are plain, and those of the planned zone, where AR does not read them so, are marked.
    expect((await weekDrawn('?zone=America/Argentina/Buenos_Aires&week=2027-03-29', answers))['2027-04-03']).toEqual([
      '23:30–00:15 CL first pass 2330. network-ops · CL · scheduled',
      '23:30–00:15 AR link drill. network-ops · AR · scheduled. In America/Santiago, its planned zone: 23:30 (−03:00) – 23:15 (−04:00)',
    ]);
    expect((await weekDrawn('?zone=UTC&week=2027-03-29', answers))['2027-04-04']).toEqual([
      '02:30–03:15 CL first pass 2330. network-ops · CL · scheduled',
      '02:30–03:15 AR link drill. network-ops · AR · scheduled. In America/Santiago, its planned zone: 2027-04-03 23:30 (−03:00) – 23:15 (−04:00)',
      '03:10–03:40 CL second pass. network-ops · CL · scheduled',
      '04:00–05:00 CL after the change. network-ops · CL · scheduled',
    ]);
  });

  it("tells a run at the second 02:30 of Auckland's fall-back night from one at the first by their offsets, and leaves 03:00, which happens once, alone", async () => {
    // New Zealand falls back at 14:00Z on 3 April 2027 (03:00 +13 -> 02:00 +12).
    const answers = {
      windows: [window('first', 'NZ first pass', 'Pacific/Auckland', ['NZ']), window('second', 'NZ second pass', 'Pacific/Auckland', ['NZ']), window('after', 'NZ morning patch', 'Pacific/Auckland', ['NZ'])],
      runs: {
        first: [run('2027-04-03T13:30:00Z', '2027-04-03T14:00:00Z')],
        second: [run('2027-04-03T14:30:00Z', '2027-04-03T15:00:00Z')],
        after: [run('2027-04-03T15:00:00Z', '2027-04-03T16:00:00Z')],
      },
    };
    expect((await weekDrawn('?zone=Pacific/Auckland&week=2027-03-29', answers))['2027-04-04']).toEqual([
      '02:30 (+13:00) – 02:00 (+12:00) NZ first pass. network-ops · NZ · scheduled',
      '02:30 (+12:00) – 03:00 (+12:00) NZ second pass. network-ops · NZ · scheduled',
      '03:00–04:00 NZ morning patch. network-ops · NZ · scheduled',
    ]);
  });

  it("gives a hold across a fall-back change, and a run's start in the hour it repeats, their offsets in the explanation; in UTC they read as before", async () => {
    const windowId = '0190a7d1-0000-7abc-8def-0000000000f6';
    const holdId = '0190a7d1-0000-7abc-8def-0000000000f7';
    // Two hours, 02:00Z-04:00Z: 23:00 -03 on 3 April to 00:00 -04 on the 4th in Santiago, which reads as one hour without offsets.
    const hold = { id: holdId, regions: ['CL'], reason: 'Election night', source: 'manual', from: '2027-04-04T02:00:00Z', until: '2027-04-04T04:00:00Z', active: true, releasedAt: null, releaseDueAt: null };
    const answers = {
      windows: [{ ...window(windowId, 'CL first pass 2330', 'America/Santiago', ['CL']), status: 'held' }],
      runs: { [windowId]: [{ ...run('2027-04-04T02:30:00Z', '2027-04-04T03:15:00Z'), status: 'held', heldBy: [holdId] }] },
      holds: [hold],
      explanations: {
        [windowId]: {
          windowId,
          status: 'held',
          holds: [{ hold, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause: { kind: 'manual request', reason: 'Election night', severity: null, evidence: null, requestedBy: 'network-ops/ops-key' }, audit: [] }],
          audit: [],
        },
      },
    };
    const causes = async (search: string) => (await pageDrawn(search, answers))('whyBody').children.filter((child) => child.tagName === 'article').map((card) => card.getAttribute('aria-label'));
    expect(await causes(`?window=${windowId}&zone=America/Santiago&week=2027-03-29`)).toEqual([
      'A hold placed by hand in CL. Election night. Requested by network-ops/ops-key. ' +
        `Holds its run 1 (2027-04-03 23:30 (−03:00)) from 2027-04-03 23:00 (−03:00) until 2027-04-04 00:00 (−04:00) (America/Santiago). Hold ${holdId}`,
    ]);
    expect(await causes(`?window=${windowId}&zone=UTC&week=2027-03-29`)).toEqual([
      `A hold placed by hand in CL. Election night. Requested by network-ops/ops-key. Holds its run 1 (2027-04-04 02:30) from 2027-04-04 02:00 until 2027-04-04 04:00 (UTC). Hold ${holdId}`,
    ]);
  });

  it("labels a surge hold's figures as the surge's latest evidence, with the time of its deciding sample in the zone shown", async () => {
    const windowId = '0190a7d1-0000-7abc-8def-0000000000f8';
    const holdId = '0190a7d1-0000-7abc-8def-0000000000f9';
    // Held from the sample of 20:15 UTC (00:45 in Tehran); a surge.updated since replaced the evidence with that of 20:40 (01:10).
    const hold = { id: holdId, regions: ['IR'], reason: 'requests in IR surged', source: 'surge', from: '2009-06-12T20:15:00Z', until: null, active: true, releasedAt: null, releaseDueAt: null };
    const samples = [
      { at: '2009-06-12T20:35:00Z', value: 7_000, expected: 1_000 },
      { at: '2009-06-12T20:40:00Z', value: 9_000, expected: 1_000 },
    ];
    const evidence = { observed: 9_000, baseline: 1_000, score: 8, samples };
    const explained = (cause: object) => ({
      windows: [{ ...window(windowId, 'Core router upgrade', 'Asia/Tehran', ['IR']), status: 'held' }],
      runs: { [windowId]: [{ ...run('2009-06-12T21:00:00Z', '2009-06-12T22:00:00Z'), status: 'held', heldBy: [holdId] }] },
      holds: [hold],
      explanations: {
        [windowId]: {
          windowId,
          status: 'held',
          holds: [{ hold, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause: { kind: 'surge', reason: 'requests in IR surged', severity: 'major', requestedBy: null, ...cause }, audit: [] }],
          audit: [],
        },
      },
    });
    const causes = async (search: string, cause: object) =>
      (await pageDrawn(search, explained(cause)))('whyBody').children.filter((child) => child.tagName === 'article').map((card) => card.getAttribute('aria-label'));
    const held = `Holds its run 1 (2009-06-13 01:30) from 2009-06-13 00:45 until it is released (Asia/Tehran). Hold ${holdId}`;
    expect(await causes(`?window=${windowId}&zone=Asia/Tehran&week=2009-06-08`, { evidence })).toEqual([
      `A traffic surge in IR (major). requests in IR surged. Latest evidence, 2009-06-13 01:10 (Asia/Tehran): observed 9,000 against a usual 1,000. ${held}`,
    ]);
    // Evidence without its samples has no time to give; it is the latest all the same.
    expect(await causes(`?window=${windowId}&zone=Asia/Tehran&week=2009-06-08`, { evidence: { observed: 9_000, baseline: 1_000, score: 8 } })).toEqual([
      `A traffic surge in IR (major). requests in IR surged. Latest evidence: observed 9,000 against a usual 1,000. ${held}`,
    ]);
  });

  it("names a run's day in its planned zone when it is another than the day it is drawn on, and adds nothing where that zone reads as the zone shown", async () => {
    const answers = {
      windows: [window('lord-howe', 'Island uplink swap', 'Australia/Lord_Howe', ['AU'])],
      // 00:15 on 16 June on Lord Howe Island is 23:45 on the 15th in Sydney; in its summer both are +11:00.
      runs: { 'lord-howe': [run('2027-06-15T13:45:00Z', '2027-06-15T14:45:00Z'), run('2027-12-14T15:00:00Z', '2027-12-14T16:00:00Z')] },
    };
    expect((await weekDrawn('?zone=Australia/Sydney&week=2027-06-14', answers))['2027-06-15']).toEqual([
      '23:45–00:45 Island uplink swap. network-ops · AU · scheduled. In Australia/Lord_Howe, its planned zone: 2027-06-16 00:15–01:15',
    ]);
    expect((await weekDrawn('?zone=Australia/Sydney&week=2027-12-13', answers))['2027-12-15']).toEqual(['02:00–03:00 Island uplink swap. network-ops · AU · scheduled']);
    expect((await weekDrawn('?zone=Australia/Lord_Howe&week=2027-06-14', answers))['2027-06-16']).toEqual(['00:15–01:15 Island uplink swap. network-ops · AU · scheduled']);
  });

  it("names each run of a held window's explanation by its start in the zone shown too, where known, so the run an override let through is told after a replan numbered the runs anew", async () => {
    const windowId = '0190a7d1-0000-7abc-8def-0000000000f1';
    const holdId = '0190a7d1-0000-7abc-8def-0000000000f2';
    // Daily at 02:00 in Fiji (14:00 UTC), moved a day earlier: the run on 16 June, let through as run 2, is run 3 now.
    const answers = {
      windows: [window(windowId, 'Island uplink patch', 'Pacific/Fiji', ['FJ'])],
      runs: { [windowId]: ['13', '14', '15', '16'].map((day, index) => run(`2027-06-${day}T14:00:00Z`, `2027-06-${day}T15:00:00Z`, index + 1)) },
      explanations: {
        [windowId]: {
          windowId,
          status: 'held',
          holds: [
            {
              hold: { id: holdId, regions: ['FJ'], from: '2027-06-14T00:00:00Z', until: '2027-06-17T00:00:00Z', active: true, releasedAt: null, releaseDueAt: null },
              occurrences: [2, 3, 4],
              overridden: true,
              inProgressWhenHeld: false,
              cause: { kind: 'manual request', reason: 'Fiji cable repair', severity: null, evidence: null, requestedBy: 'network-ops/ops-key' },
              audit: [],
            },
          ],
          audit: [
            // Written before the planner named a run's start: its number alone.
            { action: 'overridden', actor: 'network-ops/ops-key', at: '2026-12-01T09:00:00Z', details: { holdId, occurrence: 1, reason: 'the survey cannot wait' } },
            { action: 'overridden', actor: 'network-ops/ops-key', at: '2027-06-10T09:00:00Z', details: { holdId, occurrence: 2, startsAt: '2027-06-15T14:00:00Z', reason: 'the patch cannot wait' } },
            { action: 'updated', actor: 'network-ops/ops-key', at: '2027-06-11T09:00:00Z', details: { changes: ['startsAt', 'endsAt'], version: 2 } },
          ],
        },
      },
    };
    const causes = async (search: string) => (await pageDrawn(search, answers))('whyBody').children.filter((child) => child.tagName === 'article').map((card) => card.getAttribute('aria-label'));
    const overrides =
      'Run 1 let through by network-ops/ops-key 2026-12-01 21:00 (Pacific/Fiji): the survey cannot wait. Run 2 (2027-06-16 02:00) let through by network-ops/ops-key 2027-06-10 21:00 (Pacific/Fiji): the patch cannot wait';
    expect(await causes(`?window=${windowId}&zone=Pacific/Fiji&week=2027-06-14`)).toEqual([
      `A hold placed by hand in FJ, in force, a run let through. Fiji cable repair. Requested by network-ops/ops-key. Holds its runs 2 (2027-06-15 02:00), 3 (2027-06-16 02:00), 4 (2027-06-17 02:00) from 2027-06-14 12:00 until 2027-06-17 12:00 (Pacific/Fiji). ${overrides}. Hold ${holdId}`,
    ]);
    // The command it names is the CLI's own (`windows suggest` is not one).
    const drawn = await pageDrawn(`?window=${windowId}&zone=Pacific/Fiji&week=2027-06-14`, answers);
    expect(drawn('whyBody').textContent).toContain(`"holdfast windows suggestions ${windowId}" gives the least harmful slots`);
    // The held runs' starts are read with the week: in a week without them, their numbers alone.
    expect(await causes(`?window=${windowId}&zone=Pacific/Fiji&week=2027-06-21`)).toEqual([
      `A hold placed by hand in FJ, in force, a run let through. Fiji cable repair. Requested by network-ops/ops-key. Holds its runs 2, 3, 4 from 2027-06-14 12:00 until 2027-06-17 12:00 (Pacific/Fiji). ${overrides}. Hold ${holdId}`,
    ]);
  });

  it('says on the card of a run let through a hold with an override which hold it goes ahead despite, and in its explanation which runs that hold lets through', async () => {
    const windowId = '0190a7d1-0000-7abc-8def-0000000000f1';
    const holdId = '0190a7d1-0000-7abc-8def-0000000000f2';
    const unlisted = '0190a7d1-0000-7abc-8def-0000000000f3';
    const hold = { id: holdId, regions: ['FJ'], reason: 'Fiji cable repair', source: 'manual', from: '2027-06-14T00:00:00Z', until: '2027-06-17T00:00:00Z', active: true, releasedAt: null, releaseDueAt: null };
    // Daily at 02:00 in Fiji (14:00 UTC): run 2 and 4 held, run 3 let through the hold; run 1 through one the holds list does not have (released since).
    const runs = [
      { ...run('2027-06-13T14:00:00Z', '2027-06-13T15:00:00Z', 1), letThroughBy: [unlisted] },
      { ...run('2027-06-14T14:00:00Z', '2027-06-14T15:00:00Z', 2), status: 'held', heldBy: [holdId], letThroughBy: [] },
      { ...run('2027-06-15T14:00:00Z', '2027-06-15T15:00:00Z', 3), letThroughBy: [holdId] },
      { ...run('2027-06-16T14:00:00Z', '2027-06-16T15:00:00Z', 4), status: 'held', heldBy: [holdId], letThroughBy: [] },
    ];
    const answers = {
      windows: [window(windowId, 'Island uplink patch', 'Pacific/Fiji', ['FJ'])],
      runs: { [windowId]: runs },
      holds: [hold],
      explanations: {
        [windowId]: {
          windowId,
          status: 'held',
          holds: [
            {
              hold,
              occurrences: [2, 3, 4],
              overridden: true,
              inProgressWhenHeld: false,
              cause: { kind: 'manual request', reason: 'Fiji cable repair', severity: null, evidence: null, requestedBy: 'network-ops/ops-key' },
              audit: [],
            },
          ],
          audit: [{ action: 'overridden', actor: 'network-ops/ops-key', at: '2027-06-10T09:00:00Z', details: { holdId, occurrence: 3, startsAt: '2027-06-15T14:00:00Z', reason: 'the patch cannot wait' } }],
        },
      },
    };
    const byId = await pageDrawn(`?window=${windowId}&zone=Pacific/Fiji&week=2027-06-14`, answers);
    expect(cardsByDay(byId)).toMatchObject({
      '2027-06-14': [`02:00–03:00 Island uplink patch. network-ops · FJ · scheduled. Let through hold ${unlisted} by an override`],
      '2027-06-15': ['02:00–03:00 Island uplink patch. network-ops · FJ · held. Held (manual): Fiji cable repair'],
      '2027-06-16': ['02:00–03:00 Island uplink patch. network-ops · FJ · scheduled. Let through a hold by an override (manual): Fiji cable repair'],
      '2027-06-17': ['02:00–03:00 Island uplink patch. network-ops · FJ · held. Held (manual): Fiji cable repair'],
    });
    expect(byId('whyBody').children.filter((child) => child.tagName === 'article').map((card) => card.getAttribute('aria-label'))).toEqual([
      'A hold placed by hand in FJ, in force, a run let through. Fiji cable repair. Requested by network-ops/ops-key. ' +
        'Holds its runs 2 (2027-06-15 02:00), 4 (2027-06-17 02:00) from 2027-06-14 12:00 until 2027-06-17 12:00 (Pacific/Fiji). ' +
        'Lets its run 3 (2027-06-16 02:00) through by an override. ' +
        `Run 3 (2027-06-16 02:00) let through by network-ops/ops-key 2027-06-10 21:00 (Pacific/Fiji): the patch cannot wait. Hold ${holdId}`,
    ]);
  });

  it('says on the card and in the explanation that a run held past its time waits for a new slot, with the slot proposed in the zone shown and the update that takes it', async () => {
    const windowId = '0190a7d1-0000-7abc-8def-0000000000f4';
    const holdId = '0190a7d1-0000-7abc-8def-0000000000f5';
    // Held from 10:30 to 10:50 UTC on 7 December, released after; 07:36 in São Paulo, proposed for 04:00 there the next night.
    const proposedSlot = { startsAt: '2026-12-08T07:00:00.000Z', endsAt: '2026-12-08T07:02:00.000Z', expectedImpact: 0.01, localTimes: [] };
    const waiting = { ...run('2026-12-07T10:36:00.000Z', '2026-12-07T10:38:00.000Z'), status: 'needs-reschedule', proposedSlot };
    const hold = { id: holdId, regions: ['BR'], reason: 'Election results', source: 'declaration', from: '2026-12-07T10:30:00Z', until: '2026-12-07T10:50:00Z', active: false, releasedAt: '2026-12-07T11:20:00Z', releasedBy: 'planner', releaseReason: 'cool-down over', releaseDueAt: null };
    const answers = {
      windows: [{ ...window(windowId, 'Payments failover', 'America/Sao_Paulo', ['BR', 'CL']), status: 'needs-reschedule', version: 3, nextOccurrence: waiting }],
      runs: { [windowId]: [waiting] },
      explanations: {
        [windowId]: {
          windowId,
          status: 'needs-reschedule',
          holds: [{ hold, occurrences: [1], overridden: false, inProgressWhenHeld: false, cause: { kind: 'declaration', reason: 'Election results', severity: null, evidence: null }, audit: [] }],
          audit: [],
        },
      },
    };
    const byId = await pageDrawn(`?window=${windowId}&zone=America/Sao_Paulo&week=2026-12-07`, answers);
    expect(cardsByDay(byId)['2026-12-07']).toEqual([
      '07:36–07:38 Payments failover. network-ops · BR, CL · needs-reschedule. Waits for a new slot: held past its time. Proposed slot: 2026-12-08 04:00–04:02',
    ]);
    expect(byId('whyTitle').textContent).toBe('"Payments failover" waits for a new slot');
    const paragraphs = byId('whyBody').children.filter((child) => child.tagName === 'p').map((child) => child.textContent);
    expect(paragraphs).toEqual([
      'Team network-ops · BR, CL · needs-reschedule',
      'Run 1 (2026-12-07 07:36) waits for a new slot: its time passed while it was held, and it runs only once moved. ' +
        'Proposed slot: 2026-12-08 04:00–04:02 (America/Sao_Paulo). ' +
        `Take it with "holdfast windows update ${windowId} --start 2026-12-08T07:00:00.000Z --end 2026-12-08T07:02:00.000Z --version 3".`,
      'Nothing holds it now. The holds it had:',
    ]);

    // With no slot proposed, the command that proposes some.
    const unproposed = { ...waiting, proposedSlot: undefined };
    const none = await pageDrawn(`?window=${windowId}&zone=America/Sao_Paulo&week=2026-12-07`, {
      ...answers,
      windows: [{ ...answers.windows[0], nextOccurrence: unproposed }],
      runs: { [windowId]: [unproposed] },
    });
    expect(cardsByDay(none)['2026-12-07']).toEqual(['07:36–07:38 Payments failover. network-ops · BR, CL · needs-reschedule. Waits for a new slot: held past its time']);
    expect(none('whyBody').textContent).toContain(
      `Run 1 (2026-12-07 07:36) waits for a new slot: its time passed while it was held, and it runs only once moved. "holdfast windows suggestions ${windowId}" gives the least harmful slots, and "holdfast windows update ${windowId} --start START --end END --version 3" takes one.`,
    );
  });

  it("reads a team's week of many windows a request per page of runs, not one per window, waits out a 429's Retry-After and reads on, and draws the week only once it is read whole", async () => {
    // Forty windows of three runs each in the week, 25 runs a page: five pages.
    const windows = Array.from({ length: 40 }, (_, index) => window(`patch-${index + 1}`, `Rolling patch ${index + 1}`, 'UTC', ['DE']));
    const runs = Object.fromEntries(
      windows.map(({ windowId }, index) => [windowId, [0, 2, 4].map((day, number) => run(`2027-06-${14 + day + (index % 3)}T0${index % 8}:00:00Z`, `2027-06-${14 + day + (index % 3)}T0${index % 8}:30:00Z`, number + 1))]),
    );
    // The planner's limit per key and minute, as HOLDFAST_RATE_LIMIT_PER_MINUTE sets it: 4 here, so the week takes two minutes.
    const limit = 4;
    let used = 0;
    const refuse = (): Refusal | undefined => {
      used += 1;
      return used > limit ? { status: 429, retryAfter: '42', detail: `Key hf_test sent more than ${limit} requests in a minute; retry in 42 s (HOLDFAST_RATE_LIMIT_PER_MINUTE sets the limit).` } : undefined;
    };
    const clock = { now: Date.parse('2027-06-16T12:00:00Z') };
    const page = openPage('?zone=UTC&week=2027-06-14', { windows, runs }, { refuse, clock, runsPerPage: 25 });

    // The regions, the holds and two pages of runs: the third page is refused.
    await vi.waitFor(() => expect(page.timers.length > 0 && page.underWay() === 0).toBe(true));
    expect(page.byId('status').textContent).toBe(
      `Reading the week of 2027-06-14: 50 runs read. Key hf_test sent more than ${limit} requests in a minute; retry in 42 s (HOLDFAST_RATE_LIMIT_PER_MINUTE sets the limit). The page reads on by itself in 42 s.`,
    );
    // Waiting as long as the planner said, with nothing asked meanwhile, and no part of the week drawn as if it were all of it.
    expect(page.timers.map((timer) => timer.ms)).toEqual(page.timers.map(() => 42_000));
    const firstRefused = page.exchanges.findIndex((exchange) => exchange.answered === 429);
    expect(page.exchanges.slice(firstRefused).filter((exchange) => exchange.answered === undefined)).toEqual([]);
    expect(Object.values(cardsByDay(page.byId)).flat()).toEqual([]);

    // The planner's minute is over: the page reads the rest.
    clock.now += 60_000;
    used = 0;
    page.timers.splice(0).forEach((timer) => timer.fire());
    await vi.waitFor(() => expect(page.byId('status').textContent).toBe('Week of 2027-06-14 in UTC'));
    expect(Object.values(cardsByDay(page.byId)).flat()).toHaveLength(120);
    expect(page.timers).toEqual([]);
    // One request a page of runs (the third sent again after the 429), each for the week and the page after the last: none a window.
    const sent = page.exchanges.filter((exchange) => exchange.answered === undefined).map((exchange) => exchange.path);
    const week = '/v1/occurrences?from=2027-06-13T00%3A00%3A00.000Z&to=2027-06-22T00%3A00%3A00.000Z';
    expect(sent.filter((path) => path.includes('occurrences'))).toEqual([week, `${week}&cursor=25`, `${week}&cursor=50`, `${week}&cursor=50`, `${week}&cursor=75`, `${week}&cursor=100`]);
    expect(sent.filter((path) => path.startsWith('/v1/windows'))).toEqual([]);
  });

  it('draws none of the week rather than part of it when a page of its runs cannot be read, says so, and asks nothing more of it', async () => {
    const windows = Array.from({ length: 20 }, (_, index) => window(`patch-${index + 1}`, `Rolling patch ${index + 1}`, 'UTC', ['DE']));
    const runs = Object.fromEntries(windows.map(({ windowId }) => [windowId, [run('2027-06-15T01:00:00Z', '2027-06-15T01:30:00Z')]]));
    const refuse = (path: string): Refusal | undefined => (path.includes('cursor=5') ? { status: 503, detail: 'The planner cannot reach its database; retry in 5 s.' } : undefined);
    const page = openPage('?zone=UTC&week=2027-06-14', { windows, runs }, { refuse, runsPerPage: 5 });
    await vi.waitFor(() => expect(page.byId('status').textContent).toMatch(/^Could not/));
    expect(page.byId('status').textContent).toBe('Could not load the week of 2027-06-14: its runs could not be read: The planner cannot reach its database; retry in 5 s.');
    expect(Object.values(cardsByDay(page.byId)).flat()).toEqual([]);
    // Every request sent has been answered: one still queued would have gone out by then.
    await vi.waitFor(() => expect(page.underWay()).toBe(0));
    expect(page.exchanges.filter((exchange) => exchange.answered === undefined && exchange.said?.startsWith('Could not'))).toEqual([]);
    expect(page.exchanges.filter((exchange) => exchange.answered === undefined && exchange.path.includes('/occurrences')).map((exchange) => new URL(exchange.path, 'http://planner.invalid').searchParams.get('cursor'))).toEqual([null, '5']);
  });

  it('keeps the week drawn while a live update waits out a 429, says when it resumes, and says the week again once it has read it', async () => {
    const answers = {
      windows: [window('sydney', 'Core switch reboot', 'Australia/Sydney', ['AU']), window('berlin', 'Firewall rules refresh', 'Europe/Berlin', ['DE'])],
      runs: { sydney: [run('2027-06-16T16:00:00Z', '2027-06-16T17:00:00Z')], berlin: [run('2027-06-17T00:30:00Z', '2027-06-17T01:30:00Z')] },
    };
    let refusing = false;
    const refuse = (path: string): Refusal | undefined => {
      if (!refusing || !path.startsWith('/v1/occurrences?')) return undefined;
      refusing = false;
      return { status: 429, retryAfter: '120', detail: 'Key hf_test sent more than 1200 requests in a minute; retry in 120 s.' };
    };
    const clock = { now: Date.parse('2027-06-16T12:00:00Z') };
    const page = openPage('?zone=UTC&week=2027-06-14', answers, { refuse, clock, live: true });
    await vi.waitFor(() => expect(page.byId('status').textContent).toBe('Week of 2027-06-14 in UTC'));
    const drawn = cardsByDay(page.byId);

    // The live refresh's first request is refused.
    refusing = true;
    clock.now += 5_000;
    page.timers.splice(0).forEach((timer) => timer.fire());
    await vi.waitFor(() => expect(page.byId('status').textContent).toMatch(/^Updating/));
    await vi.waitFor(() => expect(page.underWay()).toBe(0));
    expect(page.byId('status').textContent).toBe('Updating the week of 2027-06-14: Key hf_test sent more than 1200 requests in a minute; retry in 120 s. Live updates resume in 120 s.');
    expect(cardsByDay(page.byId)).toEqual(drawn);
    expect(page.timers.map((timer) => timer.ms)).toEqual([120_000]);

    const waited = page.exchanges.length;
    clock.now += 120_000;
    page.timers.splice(0).forEach((timer) => timer.fire());
    await vi.waitFor(() => expect(page.byId('status').textContent).toBe('Week of 2027-06-14 in UTC'));
    expect(page.exchanges[waited]).toMatchObject({ path: expect.stringMatching(/^\/v1\/occurrences\?/) });
    expect(cardsByDay(page.byId)).toEqual(drawn);
  });

  it("reads the week a person moves to while a read waits out a 429, sending none of the week left's requests", async () => {
    const windows = Array.from({ length: 40 }, (_, index) => window(`patch-${index + 1}`, `Rolling patch ${index + 1}`, 'UTC', ['DE']));
    const runs = Object.fromEntries(windows.map(({ windowId }) => [windowId, [run('2027-06-15T01:00:00Z', '2027-06-15T01:30:00Z'), run('2027-06-22T01:00:00Z', '2027-06-22T01:30:00Z', 2)]]));
    // Each week's forty runs in four pages; the second page is refused.
    let limit = 3;
    let used = 0;
    const refuse = (): Refusal | undefined => {
      used += 1;
      return used > limit ? { status: 429, retryAfter: '42', detail: `Key hf_test sent more than ${limit} requests in a minute; retry in 42 s.` } : undefined;
    };
    const clock = { now: Date.parse('2027-06-16T12:00:00Z') };
    const page = openPage('?zone=UTC&week=2027-06-14', { windows, runs }, { refuse, clock, runsPerPage: 10 });
    await vi.waitFor(() => expect(page.byId('status').textContent).toMatch(/^Reading the week of 2027-06-14: 10 runs read\. /));
    await vi.waitFor(() => expect(page.underWay()).toBe(0));

    const moved = page.exchanges.length;
    page.byId('next').dispatch('click');
    clock.now += 60_000;
    used = 0;
    limit = 100;
    page.timers.splice(0).forEach((timer) => timer.fire());
    await vi.waitFor(() => expect(page.byId('status').textContent).toBe('Week of 2027-06-21 in UTC'));
    const asked = page.exchanges.slice(moved).filter((exchange) => exchange.answered === undefined && exchange.path.includes('/occurrences'));
    expect(asked.filter((exchange) => !exchange.path.includes('from=2027-06-20'))).toEqual([]);
    expect(asked).toHaveLength(4);
    expect(cardsByDay(page.byId)['2027-06-22']).toHaveLength(40);
  });
});
