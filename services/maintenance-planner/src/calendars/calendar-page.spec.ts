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
  windows: object[];
  /** Each window's runs, by window id. */
  runs: Record<string, object[]>;
}

/**
 * The page's script run on a stand-in document, its key already typed, opened at `search`, against
 * a planner answering the regions of the catalog and `answers`; resolves with the week drawn: each
 * occurrence card's accessible name, by the day it is in.
 */
async function weekDrawn(search: string, answers: PlannerAnswers): Promise<Record<string, string[]>> {
  const elements = new Map<string, PageElement>();
  const byId = (id: string) => elements.get(id) ?? elements.set(id, new PageElement('element')).get(id)!;
  const regions = new RegionCatalog().list().map(({ code, name, kind, zone, zones }) => ({ code, name, kind, zone, zones }));
  const answer = (path: string): object => {
    if (path === '/v1/regions') return { items: regions };
    if (path.startsWith('/v1/windows?')) return { items: answers.windows, nextCursor: null };
    if (path.startsWith('/v1/holds?')) return { items: [], nextCursor: null };
    if (path.startsWith('/v1/gate?')) return { allowed: true };
    return { items: answers.runs[path.split('/')[3]] ?? [], nextCursor: null };
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
const run = (startsAt: string, endsAt: string) => ({ number: 1, startsAt, endsAt, status: 'scheduled', heldBy: [] });

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
});
