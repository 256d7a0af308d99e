import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';

interface ParsedEvent {
  [property: string]: string;
}

/** Unfolds the content lines and reads each VEVENT's properties (name with parameters -> value). */
function events(ics: string): ParsedEvent[] {
  const lines = ics.replace(/\r\n[ \t]/g, '').split('\r\n');
  const found: ParsedEvent[] = [];
  let current: ParsedEvent | undefined;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') current = {};
    else if (line === 'END:VEVENT') found.push(current!);
    else if (current) {
      const colon = line.indexOf(':');
      current[line.slice(0, colon)] = line.slice(colon + 1);
    }
  }
  return found;
}

/** A VTIMEZONE's offset changes: onset (local, before the change) and the offset after it. */
function vtimezoneChanges(ics: string, zone: string): { onset: string; from: string; to: string }[] {
  const block = ics.replace(/\r\n[ \t]/g, '').split(`BEGIN:VTIMEZONE\r\nTZID:${zone}\r\n`)[1].split('END:VTIMEZONE')[0];
  return [...block.matchAll(/DTSTART:(\d{8}T\d{6})\r\nTZOFFSETFROM:([+-]\d{4})\r\nTZOFFSETTO:([+-]\d{4})/g)].map(([, onset, from, to]) => ({ onset, from, to }));
}

/** The UTC instant of a local DTSTART read with the feed's own VTIMEZONE (not with luxon's rules). */
function instantFromFeed(ics: string, zone: string, local: string): string {
  const changes = vtimezoneChanges(ics, zone);
  const wall = DateTime.fromFormat(local, "yyyyMMdd'T'HHmmss", { zone: 'utc' });
  const applicable = changes.filter((change) => DateTime.fromFormat(change.onset, "yyyyMMdd'T'HHmmss", { zone: 'utc' }) <= wall).at(-1) ?? changes[0];
  const offset = applicable.to;
  const minutes = (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(3)));
  return wall.minus({ minutes }).toISO({ suppressMilliseconds: true })!;
}

describe('maintenance-planner: calendar feeds of occurrences, against PostgreSQL', () => {
  const clock = new ManualClock('2027-02-01T00:00:00Z');
  let service: ServiceUnderTest;
  let windowId: string;

  const post = async (path: string, body: unknown) => {
    const response = await service.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
    return response.json() as Promise<Record<string, unknown>>;
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock });
    // 14:00 in Los Angeles each Monday across the 14 March 2027 change to summer time.
    const created = await post('/v1/windows', {
      title: 'Core router upgrade, rack 7',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['IR', 'US'] },
      startsAt: '2027-03-01T22:00:00Z',
      endsAt: '2027-03-01T23:00:00Z',
      plannedZone: 'America/Los_Angeles',
      recurrence: 'FREQ=WEEKLY;COUNT=3',
      priority: 'routine',
      surgePolicy: 'hold',
    });
    windowId = created.windowId as string;
    await post('/v1/windows', {
      title: 'DNS failover drill',
      ownerTeam: 'dns',
      footprint: { global: true, regions: [] },
      startsAt: '2027-03-03T09:00:00Z',
      endsAt: '2027-03-03T10:00:00Z',
      plannedZone: 'Europe/Berlin',
      priority: 'important',
      surgePolicy: 'hold',
    });
    await post('/v1/holds', { regions: ['IR'], from: '2027-03-08T21:00:00Z', until: '2027-03-09T00:00:00Z', reason: 'election night; results expected' });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('serves a team\'s occurrences as text/calendar, each with a stable UID in its planned zone, the wall-clock time kept across the DST change', async () => {
    const response = await service.fetch('/v1/calendars/teams/network-ops.ics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/calendar/);
    const ics = await response.text();
    const found = events(ics);
    expect(found.map((event) => event.UID)).toEqual([1, 2, 3].map((number) => `${windowId}-${number}@holdfast`));
    expect(found.map((event) => event['DTSTART;TZID=America/Los_Angeles'])).toEqual(['20270301T140000', '20270308T140000', '20270315T140000']);
    // Read with the feed's own VTIMEZONE: 22:00 UTC before the change, 21:00 UTC after it.
    expect(vtimezoneChanges(ics, 'America/Los_Angeles')).toContainEqual({ onset: '20270314T020000', from: '-0800', to: '-0700' });
    expect(found.map((event) => instantFromFeed(ics, 'America/Los_Angeles', event['DTSTART;TZID=America/Los_Angeles']))).toEqual(['2027-03-01T22:00:00Z', '2027-03-08T22:00:00Z', '2027-03-15T21:00:00Z']);
    expect((await (await service.fetch('/v1/calendars/teams/network-ops.ics')).text()).replace(/DTSTAMP:\S+/g, '')).toBe(ics.replace(/DTSTAMP:\S+/g, ''));
  });

  it('marks the held occurrence tentative with the hold\'s reason and source in the description', async () => {
    const found = events(await (await service.fetch('/v1/calendars/teams/network-ops.ics')).text());
    expect(found.map((event) => event.STATUS)).toEqual(['CONFIRMED', 'TENTATIVE', 'CONFIRMED']);
    expect(found[1].SUMMARY).toBe('[HELD] Core router upgrade\\, rack 7');
    expect(found[1].DESCRIPTION).toMatch(/Status: held\.\\nHeld by manual hold \S+ on IR: election night\\; results expected\\n/);
    expect(found[0].DESCRIPTION).not.toContain('Held by');
  });

  it('a region\'s feed has its own windows and the global ones, and nothing of other regions', async () => {
    const iran = events(await (await service.fetch('/v1/calendars/regions/ir.ics')).text());
    expect(iran.map((event) => event.SUMMARY)).toEqual(['Core router upgrade\\, rack 7', 'DNS failover drill', '[HELD] Core router upgrade\\, rack 7', 'Core router upgrade\\, rack 7']);
    expect(iran[1]['DTSTART;TZID=Europe/Berlin']).toBe('20270303T100000');
    const germany = events(await (await service.fetch('/v1/calendars/regions/DE.ics')).text());
    expect(germany.map((event) => event.SUMMARY)).toEqual(['DNS failover drill']);
    const bad = await service.fetch('/v1/calendars/regions/not a region.ics');
    expect(bad.status).toBe(400);
  });

  it('serves the week page at /calendar without a key, every control labelled, and its script', async () => {
    const page = await fetch(`${service.baseUrl}/calendar`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const controls = [...html.matchAll(/<(?:input|select)[^>]* id="([^"]+)"/g)].map(([, id]) => id);
    expect(controls).toEqual(expect.arrayContaining(['key', 'team', 'region', 'zone', 'weekStart', 'declareRegions', 'declareReason', 'releaseHold', 'overrideWindow', 'overrideReason']));
    for (const id of controls) expect(html, `a label for #${id}`).toContain(`<label for="${id}">`);
    const script = await fetch(`${service.baseUrl}/calendar/calendar.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    const source = await script.text();
    // It parses as a script (the browser test that runs it needs puppeteer-core; see README).
    expect(() => new Function(source)).not.toThrow();
    expect(source).toContain("api('/v1/gate?regions='");
  });
});
