import { createEvent } from '@holdfast/contracts';
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import ICAL from 'ical.js';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';
import { PlannerSweep } from '../src/holds/planner-sweep.service';
import { CANCELLED_RUN_STATUSES, readRuns, type FeedRun, type RunsAsked } from '../src/calendars/calendar-runs.sql';
import { occurrenceStatusOf, stopsRun } from '../src/windows/window-record';

/**
 * The feed's runs as they were read before readRuns (occurrenceStatusOf and two subqueries a run):
 * what the set-based read must give for the same data, byte for byte once written.
 */
const RUNS_READ_PER_RUN = (where: string) => `
  SELECT o.window_id, o.number, o.starts_at, o.ends_at, ${occurrenceStatusOf('o')} AS status, w.title, w.owner_team, w.footprint_global, w.footprint_regions,
         w.planned_zone, w.priority,
         GREATEST(w.updated_at, o.started_at, o.completed_at, o.missed_at,
           (SELECT max(GREATEST(ho.held_at, ho.released_at, ho.overridden_at, CASE WHEN h.release_due_at <= o.starts_at THEN h.clearance_recorded_at END))
              FROM hold_occurrence ho LEFT JOIN hold h ON h.id = ho.hold_id WHERE ho.window_id = o.window_id AND ho.number = o.number)) AS changed_at,
         (SELECT json_agg(json_build_object('id', h.id, 'reason', h.reason, 'source', h.source, 'regions', h.regions) ORDER BY ho.held_at)
            FROM hold_occurrence ho JOIN hold h ON h.id = ho.hold_id
           WHERE ho.window_id = o.window_id AND ho.number = o.number AND ho.kind = 'held' AND ho.released_at IS NULL AND ho.overridden_by IS NULL AND ${stopsRun('ho', 'o')}) AS holds
    FROM occurrence o JOIN maintenance_window w ON w.id = o.window_id
   WHERE ${where} AND o.ends_at > $2
   ORDER BY o.starts_at, o.window_id, o.number
   LIMIT $3`;

/** The fields of a run a feed writes, of those readRuns reads: the per-run reading reads those alone. */
const feedFields = (run: FeedRun): FeedRun => {
  const { window_id, number, starts_at, ends_at, status, title, owner_team, footprint_global, footprint_regions, planned_zone, priority, changed_at, holds } = run;
  return { window_id, number, starts_at, ends_at, status, title, owner_team, footprint_global, footprint_regions, planned_zone, priority, changed_at, holds };
};

/** What a calendar client reads of one VEVENT, parsed by ical.js (a maintained RFC 5545 parser). */
interface ParsedEvent {
  uid: string;
  summary: string;
  description: string;
  status: string;
  /** The TZID parameter of DTSTART, and the local wall-clock time it carries. */
  tzid: string;
  localStart: string;
  localEnd: string;
  /** DTSTART as an instant, converted with the feed's own VTIMEZONE (registered with ical.js). */
  utcStart: string;
}

/**
 * Parses a feed as a client would: every VTIMEZONE registered with ical.js's TimezoneService (so
 * times are converted with the feed's own offsets, not with this machine's zone data), then each
 * VEVENT read through ICAL.Event.
 */
function parseFeed(ics: string): { calendar: ICAL.Component; events: ParsedEvent[] } {
  const calendar = new ICAL.Component(ICAL.parse(ics));
  for (const vtimezone of calendar.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtimezone);
  const events = calendar.getAllSubcomponents('vevent').map((vevent) => {
    const event = new ICAL.Event(vevent);
    return {
      uid: event.uid,
      summary: event.summary,
      description: event.description,
      status: vevent.getFirstPropertyValue('status') as string,
      tzid: vevent.getFirstProperty('dtstart')!.getParameter('tzid') as string,
      localStart: event.startDate.toString(),
      localEnd: event.endDate.toString(),
      utcStart: event.startDate.convertToZone(ICAL.Timezone.utcTimezone).toString(),
    };
  });
  return { calendar, events };
}

describe('maintenance-planner: calendar feeds of occurrences, against PostgreSQL, read with ical.js', () => {
  const clock = new ManualClock('2027-02-01T00:00:00Z');
  let service: ServiceUnderTest;
  let windowId: string;
  let holdId: string;

  const post = async (path: string, body: unknown) => {
    const response = await service.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const feed = async (path: string) => {
    const response = await service.fetch(path);
    expect(response.status, path).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/calendar/);
    return response.text();
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { CALENDAR_FEED_MAX_EVENTS: '4' } });
    // 14:00 in Los Angeles each Sunday; the second is 14 March 2027, the day the clocks go forward.
    const created = await post('/v1/windows', {
      title: 'Core router upgrade, rack 7',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['IR', 'US'] },
      startsAt: '2027-03-07T22:00:00Z',
      endsAt: '2027-03-07T23:00:00Z',
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
    const hold = await post('/v1/holds', { regions: ['IR'], from: '2027-03-14T20:00:00Z', until: '2027-03-15T00:00:00Z', reason: 'election night; results expected' });
    holdId = hold.id as string;
  });

  afterAll(async () => {
    ICAL.TimezoneService.reset();
    await service?.close();
  });

  it('serves a team\'s recurring window as one event per occurrence, 14:00 in Los Angeles each week, the DST day at 21:00 UTC by the feed\'s own VTIMEZONE', async () => {
    const { calendar, events } = parseFeed(await feed('/v1/calendars/teams/network-ops.ics'));
    expect(calendar.getFirstPropertyValue('version')).toBe('2.0');
    expect(calendar.getAllSubcomponents('vtimezone').map((vtimezone) => vtimezone.getFirstPropertyValue('tzid'))).toEqual(['America/Los_Angeles']);
    expect(events.map((event) => event.uid)).toEqual([1, 2, 3].map((number) => `${windowId}-${number}@holdfast`));
    expect(events.map((event) => event.tzid)).toEqual(['America/Los_Angeles', 'America/Los_Angeles', 'America/Los_Angeles']);
    expect(events.map((event) => [event.localStart, event.localEnd])).toEqual([
      ['2027-03-07T14:00:00', '2027-03-07T15:00:00'],
      ['2027-03-14T14:00:00', '2027-03-14T15:00:00'],
      ['2027-03-21T14:00:00', '2027-03-21T15:00:00'],
    ]);
    // The same wall-clock time, an hour earlier in UTC from the change on.
    expect(events.map((event) => event.utcStart)).toEqual(['2027-03-07T22:00:00Z', '2027-03-14T21:00:00Z', '2027-03-21T21:00:00Z']);
    // The feed's zone changes at 02:00 local on the DST day, as Los Angeles does.
    const zone = ICAL.TimezoneService.get('America/Los_Angeles');
    expect([zone.utcOffset(ICAL.Time.fromDateTimeString('2027-03-14T01:59:00')), zone.utcOffset(ICAL.Time.fromDateTimeString('2027-03-14T03:00:00'))]).toEqual([-8 * 3600, -7 * 3600]);
  });

  it('keeps every UID and every byte but DTSTAMP across two fetches, so subscribed clients update rather than duplicate', async () => {
    const first = await feed('/v1/calendars/teams/network-ops.ics');
    const second = await feed('/v1/calendars/teams/network-ops.ics');
    expect(parseFeed(second).events.map((event) => event.uid)).toEqual(parseFeed(first).events.map((event) => event.uid));
    expect(second.replace(/DTSTAMP:\S+/g, '')).toBe(first.replace(/DTSTAMP:\S+/g, ''));
  });

  it('marks the held occurrence tentative with the hold\'s source, id and reason in the description', async () => {
    const { events } = parseFeed(await feed('/v1/calendars/teams/network-ops.ics'));
    expect(events.map((event) => event.status)).toEqual(['CONFIRMED', 'TENTATIVE', 'CONFIRMED']);
    expect(events[1].summary).toBe('[HELD] Core router upgrade, rack 7');
    expect(events[1].description.split('\n')).toEqual([
      'Team network-ops, routine window, footprint IR, US.',
      'Status: held.',
      `Held by manual hold ${holdId} on IR: election night; results expected`,
      `Window ${windowId}, occurrence 2.`,
    ]);
    expect(events[0].summary).toBe('Core router upgrade, rack 7');
    expect(events[0].description).not.toContain('Held by');
  });

  it('a region\'s feed has its own windows and the global ones, each in its planned zone, and nothing of other regions', async () => {
    const iran = parseFeed(await feed('/v1/calendars/regions/ir.ics'));
    expect(iran.calendar.getAllSubcomponents('vtimezone').map((vtimezone) => vtimezone.getFirstPropertyValue('tzid')).sort()).toEqual(['America/Los_Angeles', 'Europe/Berlin']);
    expect(iran.events.map((event) => event.summary)).toEqual(['DNS failover drill', 'Core router upgrade, rack 7', '[HELD] Core router upgrade, rack 7', 'Core router upgrade, rack 7']);
    expect(iran.events[0]).toMatchObject({ tzid: 'Europe/Berlin', localStart: '2027-03-03T10:00:00', utcStart: '2027-03-03T09:00:00Z', status: 'CONFIRMED' });
    const germany = parseFeed(await feed('/v1/calendars/regions/DE.ics'));
    expect(germany.events.map((event) => event.summary)).toEqual(['DNS failover drill']);
    const bad = await service.fetch('/v1/calendars/regions/not a region.ics');
    expect(bad.status).toBe(400);
  });

  it("answers 404 naming a region the catalog does not know, rather than a feed that stays empty for ever", async () => {
    for (const unknown of ['UK', 'uk', 'eu-west']) {
      const answer = await service.fetch(`/v1/calendars/regions/${unknown}.ics`);
      expect(answer.status, unknown).toBe(404);
      expect(await answer.json()).toMatchObject({ code: 'unknown-region', detail: expect.stringContaining('GET /v1/regions'), errors: [{ path: 'region', message: `unknown region ${unknown}` }] });
    }
  });

  it('answers 404 for a team no window was planned for and no key issued to, naming the lower-case team asked in capitals, and an empty feed to a team with a key', async () => {
    const misspelt = await service.fetch('/v1/calendars/teams/netwrok-ops.ics');
    expect(misspelt.status).toBe(404);
    expect(await misspelt.json()).toMatchObject({
      code: 'unknown-team',
      detail: expect.stringContaining('No window was ever planned for team netwrok-ops and no key is issued to it: check the name'),
      errors: [{ path: 'team', code: 'unknown-team' }],
    });
    const capitals = await service.fetch('/v1/calendars/teams/Network-Ops.ics');
    expect(capitals.status).toBe(404);
    expect(((await capitals.json()) as { detail: string }).detail).toContain('team names are lower-case: ask for /v1/calendars/teams/network-ops.ics');

    const issued = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team: 'new-team', scopes: ['read'], name: 'calendar' }) });
    expect(issued.status, await issued.clone().text()).toBe(201);
    const empty = await service.fetch('/v1/calendars/teams/new-team.ics');
    expect(empty.status).toBe(200);
    expect(parseFeed(await empty.text()).events).toEqual([]);
  });

  it('leaves out the runs that ended more than CALENDAR_PAST_DAYS (90) ago, so years of history never crowd out what is coming', async () => {
    const localStartsOn = async (at: string) => {
      clock.set(at);
      return parseFeed(await feed('/v1/calendars/regions/ir.ics')).events.map((event) => event.localStart);
    };
    try {
      // The drill ended 2027-03-03T10:00Z and the last router run 2027-03-21T22:00Z (15:00 in Los Angeles).
      expect(await localStartsOn('2027-06-01T09:59:00Z')).toEqual(['2027-03-03T10:00:00', '2027-03-07T14:00:00', '2027-03-14T14:00:00', '2027-03-21T14:00:00']);
      expect(await localStartsOn('2027-06-01T10:01:00Z')).toEqual(['2027-03-07T14:00:00', '2027-03-14T14:00:00', '2027-03-21T14:00:00']);
      expect(await localStartsOn('2027-06-19T22:01:00Z')).toEqual([]);
    } finally {
      clock.set('2027-02-01T00:00:00Z');
    }
  });

  it('says in the calendar itself when a feed holds more runs than CALENDAR_FEED_MAX_EVENTS, and keeps the earliest', async () => {
    await post('/v1/windows', {
      title: 'Nightly backup check',
      ownerTeam: 'storage',
      footprint: { global: false, regions: ['NO'] },
      startsAt: '2027-03-01T02:00:00Z',
      endsAt: '2027-03-01T02:30:00Z',
      plannedZone: 'Europe/Oslo',
      recurrence: 'FREQ=DAILY;COUNT=6',
    });
    const { calendar, events } = parseFeed(await feed('/v1/calendars/teams/storage.ics'));
    expect(events.map((event) => event.utcStart)).toEqual(['2027-03-01T02:00:00Z', '2027-03-02T02:00:00Z', '2027-03-03T02:00:00Z', '2027-03-04T02:00:00Z']);
    const why = 'This feed holds its first 4 runs (CALENDAR_FEED_MAX_EVENTS). Those from 2027-03-05T02:00:00.000Z on are left out: raise CALENDAR_FEED_MAX_EVENTS.';
    expect([calendar.getFirstPropertyValue('description'), calendar.getFirstPropertyValue('x-wr-caldesc')]).toEqual([why, why]);
    // A feed within the limit says nothing of the kind.
    expect(parseFeed(await feed('/v1/calendars/teams/network-ops.ics')).calendar.getFirstPropertyValue('description')).toBeNull();
  });

  it('lists every run not cancelled before any cancelled one, cancelled runs only in the room CALENDAR_FEED_MAX_EVENTS leaves, and says which are left out', async () => {
    const plan = (startsAt: string, extra: Record<string, unknown> = {}) =>
      post('/v1/windows', { title: 'Firmware rollout', ownerTeam: 'firmware', footprint: { global: false, regions: ['CL'] }, startsAt, endsAt: new Date(Date.parse(startsAt) + 3_600_000).toISOString(), plannedZone: 'UTC', ...extra });
    // As many cancelled windows as the feed holds runs (4), all before the runs still on.
    for (const day of [1, 2, 3, 4]) {
      const cancelled = await plan(`2027-04-0${day}T06:00:00Z`);
      await post(`/v1/windows/${cancelled.windowId as string}/cancel`, { reason: 'rollout postponed' });
    }
    // A run an exdate cancels, between two that stay.
    const daily = await plan('2027-04-05T06:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=3' });
    const dropped = await service.fetch(`/v1/windows/${daily.windowId as string}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: daily.version, exdates: ['2027-04-06T06:00:00Z'] }),
    });
    expect(dropped.status, await dropped.text()).toBe(200);

    const roomLeft = parseFeed(await feed('/v1/calendars/teams/firmware.ics'));
    expect(roomLeft.events.map((event) => [event.utcStart, event.status])).toEqual([
      ['2027-04-01T06:00:00Z', 'CANCELLED'],
      ['2027-04-02T06:00:00Z', 'CANCELLED'],
      ['2027-04-05T06:00:00Z', 'CONFIRMED'],
      ['2027-04-07T06:00:00Z', 'CONFIRMED'],
    ]);
    const cancelledCut =
      'This feed holds every run not cancelled and the first 2 cancelled runs (CALENDAR_FEED_MAX_EVENTS). Cancelled runs from 2027-04-03T06:00:00.000Z on are left out: raise CALENDAR_FEED_MAX_EVENTS.';
    expect([roomLeft.calendar.getFirstPropertyValue('description'), roomLeft.calendar.getFirstPropertyValue('x-wr-caldesc')]).toEqual([cancelledCut, cancelledCut]);

    // More runs still on than the feed holds: the earliest of them, and no cancelled one.
    await plan('2027-04-10T06:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=3' });
    const full = parseFeed(await feed('/v1/calendars/teams/firmware.ics'));
    expect(full.events.map((event) => [event.utcStart, event.status])).toEqual([
      ['2027-04-05T06:00:00Z', 'CONFIRMED'],
      ['2027-04-07T06:00:00Z', 'CONFIRMED'],
      ['2027-04-10T06:00:00Z', 'CONFIRMED'],
      ['2027-04-11T06:00:00Z', 'CONFIRMED'],
    ]);
    expect(full.calendar.getFirstPropertyValue('description')).toBe(
      'This feed holds its first 4 runs not cancelled (CALENDAR_FEED_MAX_EVENTS). Those from 2027-04-12T06:00:00.000Z on are left out and so is every cancelled run: raise CALENDAR_FEED_MAX_EVENTS.',
    );
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
    // It parses as a script; e2e/calendar-page.e2e-spec.ts runs it in Chromium.
    expect(() => new Function(source)).not.toThrow();
    expect(source).toContain("api('/v1/gate?regions='");
  });

  it("raises the SEQUENCE and LAST-MODIFIED of a run a hold lets go, and only that run's, so clients take the change", async () => {
    const revisions = (ics: string) =>
      new ICAL.Component(ICAL.parse(ics))
        .getAllSubcomponents('vevent')
        .filter((vevent) => String(vevent.getFirstPropertyValue('uid')).startsWith(windowId))
        .map((vevent) => ({ sequence: vevent.getFirstPropertyValue('sequence'), modified: String(vevent.getFirstPropertyValue('last-modified')) }));
    const before = revisions(await feed('/v1/calendars/teams/network-ops.ics'));
    clock.advance(3_600_000);
    await post(`/v1/holds/${holdId}/release`, { reason: 'results are in' });
    const after = revisions(await feed('/v1/calendars/teams/network-ops.ics'));
    expect(after[1].sequence).toBe(Number(before[1].sequence) + 3600);
    expect(after[1].modified).not.toBe(before[1].modified);
    expect([after[0], after[2]]).toEqual([before[0], before[2]]);
  });

  /** The one event of `team`'s feed, as a client compares revisions: SEQUENCE, LAST-MODIFIED and STATUS. */
  const onlyRun = async (team: string) => {
    const [vevent, ...more] = new ICAL.Component(ICAL.parse(await feed(`/v1/calendars/teams/${team}.ics`))).getAllSubcomponents('vevent');
    expect(more).toEqual([]);
    return { sequence: Number(vevent.getFirstPropertyValue('sequence')), modified: String(vevent.getFirstPropertyValue('last-modified')), status: vevent.getFirstPropertyValue('status') };
  };
  const oneRun = (team: string, region: string, startsAt: string) =>
    post('/v1/windows', { title: `Patch ${team}`, ownerTeam: team, footprint: { global: false, regions: [region] }, startsAt, endsAt: new Date(Date.parse(startsAt) + 3_600_000).toISOString(), plannedZone: 'UTC' });

  it('raises the SEQUENCE and LAST-MODIFIED of a run the sweep marks missed, so clients drop it as cancelled', async () => {
    const startsAt = new Date(clock.nowMs() + 86_400_000).toISOString();
    await oneRun('missed-ops', 'NO', startsAt);
    const before = await onlyRun('missed-ops');
    expect(before.status).toBe('CONFIRMED');
    clock.set(new Date(Date.parse(startsAt) + 2 * 3_600_000).toISOString());
    expect((await service.app.get(PlannerSweep).sweep()).missed).toBe(1);
    const after = await onlyRun('missed-ops');
    expect(after.status).toBe('CANCELLED');
    expect(after.sequence).toBe(before.sequence + 86_400 + 2 * 3_600);
    expect(after.modified).not.toBe(before.modified);
  });

  it("raises the SEQUENCE and LAST-MODIFIED of a held run when its surge clears with the run after the hold's due release, so clients show it confirmed at once", async () => {
    // Within HOLD_HORIZON_HOURS (24), which a surge's open-ended hold holds.
    const startsAt = new Date(clock.nowMs() + 6 * 3_600_000).toISOString();
    await oneRun('clearance-ops', 'KH', startsAt);
    const surgeId = uuidv7();
    const surge = { surgeId, region: 'KH', metric: 'requests', startedAt: new Date(clock.nowMs()).toISOString() };
    const started = createEvent(
      'surge.started',
      { ...surge, source: 'detector', severity: 'major', detectedAt: surge.startedAt, evidence: { observed: 5_000, baseline: 1_000, score: 5, samples: [] }, reason: 'requests in KH surged' },
      { source: 'calendars-spec', subject: 'KH' },
    );
    const holds = service.app.get(HoldsService);
    const db = service.app.get(DataSource);
    const hold = await db.transaction((tx) => holds.place(tx, { source: 'detector', causeId: surgeId, regions: ['KH'], reason: 'requests in KH surged', from: new Date(surge.startedAt), until: null, cause: started }));
    const held = await onlyRun('clearance-ops');
    expect(held.status).toBe('TENTATIVE');
    // The surge cleared five minutes ago and the planner learns it now: the hold's release is due 30 minutes after, hours before the run.
    clock.advance(600_000);
    const clearedAt = new Date(clock.nowMs() - 300_000);
    const cleared = createEvent('surge.cleared', { ...surge, clearedAt: clearedAt.toISOString(), reason: 'back to normal' }, { source: 'calendars-spec', subject: 'KH' });
    await db.transaction((tx) => holds.scheduleRelease(tx, hold!, { clearedAt, reason: cleared.data.reason, eventId: cleared.id }));
    const free = await onlyRun('clearance-ops');
    expect(free.status).toBe('CONFIRMED');
    expect(free.sequence).toBe(held.sequence + 600);
    expect(free.modified).not.toBe(held.modified);
  });

  it('raises the SEQUENCE and LAST-MODIFIED of a held run an override lets through, so clients show it confirmed again', async () => {
    // Within HOLD_HORIZON_HOURS (24), which an open-ended hold holds.
    const startsAt = new Date(clock.nowMs() + 12 * 3_600_000).toISOString();
    const window = await oneRun('override-ops', 'NP', startsAt);
    await post('/v1/holds', { regions: ['NP'], from: new Date(clock.nowMs()).toISOString(), reason: 'exams across Nepal' });
    const held = await onlyRun('override-ops');
    expect(held.status).toBe('TENTATIVE');
    clock.advance(600_000);
    await post(`/v1/windows/${window.windowId as string}/override`, { reason: 'security patch cannot wait' });
    const overridden = await onlyRun('override-ops');
    expect(overridden.status).toBe('CONFIRMED');
    expect(overridden.sequence).toBe(held.sequence + 600);
    expect(overridden.modified).not.toBe(held.modified);
  });

  it('answers a client holding the feed 304 Not Modified by its ETag, and the full feed with a new ETag once a run changes', async () => {
    const path = '/v1/calendars/teams/network-ops.ics';
    const first = await service.fetch(path);
    const etag = first.headers.get('etag')!;
    // Weak: DTSTAMP is the time the feed is written, so no two answers are the same bytes.
    expect(etag).toMatch(/^W\/"[\w-]{43}"$/);
    expect(first.headers.get('cache-control')).toBe('private, no-cache');
    clock.advance(60_000);
    const unchanged = await service.fetch(path, { headers: { 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');
    expect(unchanged.headers.get('etag')).toBe(etag);
    // Another feed's tag, or none, is answered in full.
    const other = (await service.fetch('/v1/calendars/regions/DE.ics')).headers.get('etag')!;
    expect((await service.fetch(path, { headers: { 'if-none-match': other } })).status).toBe(200);
    expect((await service.fetch('/v1/calendars/regions/DE.ics', { headers: { 'if-none-match': `${etag}, ${other}` } })).status).toBe(304);
    await post('/v1/holds', { regions: ['US'], from: '2027-03-21T21:00:00Z', until: '2027-03-21T23:00:00Z', reason: 'US election night' });
    const changed = await service.fetch(path, { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(parseFeed(await changed.text()).events.map((event) => event.description).join('\n')).toContain('US election night');
  });

  it('reads every feed\'s runs as the per-run reading did, after holds placed, released, overridden and cleared, and runs missed', async () => {
    const db = service.app.get(DataSource);
    // CALENDAR_PAST_DAYS, 90 by default.
    const endedAfter = new Date(clock.nowMs() - 90 * 86_400_000);
    const [{ teams, regions }] = (await db.query(
      'SELECT array_agg(DISTINCT owner_team) AS teams, (SELECT array_agg(DISTINCT region) FROM maintenance_window, unnest(footprint_regions) AS region) AS regions FROM maintenance_window',
    )) as { teams: string[]; regions: string[] }[];
    const feeds: [string, string, Pick<RunsAsked, 'team' | 'region'>][] = [
      ...teams.map((team): [string, string, Pick<RunsAsked, 'team'>] => ['w.owner_team = $1', team, { team }]),
      ...regions.map((region): [string, string, Pick<RunsAsked, 'region'>] => ['(w.footprint_global OR $1 = ANY (w.footprint_regions))', region, { region }]),
    ];
    // Links released, overridden, of a cleared surge and still holding, all on runs of these feeds.
    const [links] = (await db.query(
      `SELECT count(*) FILTER (WHERE ho.released_at IS NOT NULL)::int AS released, count(*) FILTER (WHERE ho.overridden_by IS NOT NULL)::int AS overridden,
              count(*) FILTER (WHERE h.clearance_recorded_at IS NOT NULL)::int AS cleared, count(*) FILTER (WHERE ho.released_at IS NULL AND ho.overridden_by IS NULL AND h.clearance_recorded_at IS NULL)::int AS holding
         FROM hold_occurrence ho JOIN hold h ON h.id = ho.hold_id`,
    )) as Record<string, number>[];
    expect(links).toEqual({ released: expect.any(Number), overridden: expect.any(Number), cleared: expect.any(Number), holding: expect.any(Number) });
    for (const [kind, count] of Object.entries(links)) expect(count, kind).toBeGreaterThan(0);
    for (const [where, value, windows] of feeds) {
      const perRun = (await db.query(RUNS_READ_PER_RUN(where), [value, endedAfter, 1000])) as FeedRun[];
      for (const cancelled of [false, true]) {
        const read = (await readRuns(db, { ...windows, endedAfter, cancelled, limit: 1000 })).map(feedFields);
        expect(read, `${value}, cancelled: ${cancelled}`).toEqual(perRun.filter((run) => CANCELLED_RUN_STATUSES.includes(run.status) === cancelled));
      }
    }
  });
});
