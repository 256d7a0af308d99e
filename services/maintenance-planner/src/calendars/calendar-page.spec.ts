import { RegionCatalog } from '@holdfast/regions';
import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { CALENDAR_SCRIPT } from './calendar-page';

/** As much of a DOM element as the page's script uses: text, children, attributes and dataset. */
class PageElement {
  children: PageElement[] = [];
  dataset: Record<string, string> = {};
  className = '';
  value = '';
  hidden = false;
  tabIndex = -1;
  private text = '';
  private readonly attributes = new Map<string, string>();

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

  addEventListener(): void {}

  querySelector(): null {
    return null;
  }
}

interface PlannerAnswers {
  windows: { windowId: string }[];
  /** Each window's runs, by window id. */
  runs: Record<string, object[]>;
  /** Each window's GET /v1/windows/{id}/explanation, by window id. */
  explanations?: Record<string, object>;
}

/**
 * The page's script run on a stand-in document, its key already typed, opened at `search`, against
 * a planner answering the regions of the catalog and `answers`; resolves with the page's elements
 * by id once the week is drawn.
 */
async function pageDrawn(search: string, answers: PlannerAnswers): Promise<(id: string) => PageElement> {
  const elements = new Map<string, PageElement>();
  const byId = (id: string) => elements.get(id) ?? elements.set(id, new PageElement('element')).get(id)!;
  const regions = new RegionCatalog().list().map(({ code, name, kind, zone, zones }) => ({ code, name, kind, zone, zones }));
  const answer = (path: string): object => {
    if (path === '/v1/regions') return { items: regions };
    if (path.startsWith('/v1/windows?')) return { items: answers.windows, nextCursor: null };
    if (path.startsWith('/v1/holds?')) return { items: [], nextCursor: null };
    if (path.startsWith('/v1/gate?')) return { allowed: true };
    const [, , , windowId, detail] = path.split('/');
    if (detail === 'explanation') return answers.explanations![windowId];
    if (detail === undefined) return answers.windows.find((window) => window.windowId === windowId)!;
    return { items: answers.runs[windowId] ?? [], nextCursor: null };
  };
  const fetch = (path: string) => Promise.resolve({ ok: true, status: 200, headers: { get: () => null }, text: () => Promise.resolve(JSON.stringify(answer(path))) });
  runInNewContext(CALENDAR_SCRIPT, {
    document: { getElementById: byId, createElement: (tag: string) => new PageElement(tag), activeElement: null },
    sessionStorage: { getItem: (name: string) => (name === 'holdfastKey' ? 'hf_test' : null), setItem: () => undefined },
    location: { search },
    URLSearchParams,
    fetch,
    // The live refresh is not under test: it never starts.
    setTimeout: () => undefined,
  });
  await vi.waitFor(() => expect(byId('status').textContent).toMatch(/^Week of /));
  return byId;
}

/** The week drawn: each occurrence card's accessible name, by the day it is in. */
async function weekDrawn(search: string, answers: PlannerAnswers): Promise<Record<string, string[]>> {
  const byId = await pageDrawn(search, answers);
  return Object.fromEntries(
    byId('week').children.map((day) => [day.dataset.day, day.children.filter((child) => child.tagName === 'article').map((card) => card.getAttribute('aria-label')!)]),
  );
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
    // The held runs' starts are read with the week: in a week without them, their numbers alone.
    expect(await causes(`?window=${windowId}&zone=Pacific/Fiji&week=2027-06-21`)).toEqual([
      `A hold placed by hand in FJ, in force, a run let through. Fiji cable repair. Requested by network-ops/ops-key. Holds its runs 2, 3, 4 from 2027-06-14 12:00 until 2027-06-17 12:00 (Pacific/Fiji). ${overrides}. Hold ${holdId}`,
    ]);
  });
});
