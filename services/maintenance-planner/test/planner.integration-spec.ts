/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, physicalTopic, silentLogger } from '@holdfast/messaging';
import { everyPage, expectEventually, ManualClock, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-06-14T20:00:00Z');

interface Answer<T = Record<string, any>> {
  status: number;
  body: T;
  headers: Headers;
}

function surge(type: 'surge.started' | 'surge.updated', region: string, surgeId: string, change: Record<string, unknown> = {}): HoldfastEvent {
  return createEvent(
    type,
    {
      surgeId,
      region,
      metric: 'requests',
      source: 'detector',
      severity: 'major',
      startedAt: '2026-06-14T21:00:00Z',
      detectedAt: '2026-06-14T21:00:05Z',
      evidence: { observed: 5_000, baseline: 1_000, score: 5, samples: [{ at: '2026-06-14T21:00:00Z', value: 5_000 }] },
      reason: `requests in ${region} surged`,
      ...change,
    } as never,
    { source: 'planner-spec', subject: region },
  );
}

function cleared(region: string, surgeId: string, clearedAt: string): HoldfastEvent {
  return createEvent('surge.cleared', { surgeId, region, metric: 'requests', startedAt: '2026-06-14T21:00:00Z', clearedAt, reason: 'back to normal' }, { source: 'planner-spec', subject: region });
}

describe('maintenance-planner: windows, holds, the gate, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let publisher: EventPublisher;
  let holdEvents: TopicRecorder;
  let windowEvents: TopicRecorder;
  let sweep: PlannerSweep;

  const api = async <T = Record<string, any>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> => {
    const response = await service.fetch(`${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
  };

  const plan = async (change: Record<string, unknown> = {}) => {
    const answer = await api('POST', '/v1/windows', {
      title: 'Core router firmware upgrade',
      ownerTeam: 'network-platform',
      footprint: { global: false, regions: ['IR'] },
      startsAt: '2026-06-14T22:00:00Z',
      endsAt: '2026-06-14T23:00:00Z',
      plannedZone: 'America/Los_Angeles',
      ...change,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };
  const occurrences = async (id: string) => (await api('GET', `/v1/windows/${id}/occurrences`)).body.items as Record<string, any>[];
  const holdFor = async (surgeId: string) => ((await api('GET', '/v1/holds')).body.items as Record<string, any>[]).filter((hold) => hold.causeId === surgeId);
  const eventsOf = (recorder: TopicRecorder, type: string) => recorder.messages.filter((message) => message.headers.ce_type === type).map((message) => ({ key: message.key, data: JSON.parse(message.value) }));

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, {
      clock,
      environment: {
        PLANNER_SWEEP_INTERVAL_SECONDS: '0',
        HOLD_COOLDOWN_MINUTES: '30',
        HOLDFAST_CUSTOM_REGIONS: JSON.stringify([{ code: 'atlantic', name: 'Atlantic desks', zones: ['Europe/London', 'America/New_York'] }]),
      },
    });
    const { kafka } = service.config;
    const client = createKafka(kafka, silentLogger);
    publisher = new EventPublisher(client, kafka);
    await publisher.connect();
    holdEvents = await recordTopic(client, physicalTopic(kafka, Topics.maintenanceHolds), `${kafka.topicPrefix}hold-reader`);
    windowEvents = await recordTopic(client, physicalTopic(kafka, Topics.maintenanceWindows), `${kafka.topicPrefix}window-reader`);
    sweep = service.app.get(PlannerSweep);
  });

  afterAll(async () => {
    await holdEvents?.stop();
    await windowEvents?.stop();
    await publisher?.disconnect();
    await service?.close();
  });

  it('plans a window with local times per footprint region: 14:00 Los Angeles in June 2009 is 01:30 Tehran (+04:30), in June 2026 00:30', async () => {
    // Planned on the day, as the network host did: a window whose time has passed is refused.
    clock.set('2009-06-15T12:00:00Z');
    const in2009 = await plan({ footprint: { global: false, regions: ['IR', 'US'] }, startsAt: '2009-06-15T21:00:00Z', endsAt: '2009-06-15T22:00:00Z' });
    clock.set('2026-06-14T20:00:00Z');
    expect(in2009.localTimes).toContainEqual({ region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '2009-06-16T01:30', endsAtLocal: '2009-06-16T02:30', offset: '+04:30', endOffset: '+04:30' });
    expect(in2009.localTimes).toContainEqual(expect.objectContaining({ region: 'US', zone: 'America/New_York', startsAtLocal: '2009-06-15T17:00', offset: '-04:00' }));
    const in2026 = await plan({ startsAt: '2026-06-15T21:00:00Z', endsAt: '2026-06-15T22:00:00Z' });
    expect(in2026.localTimes).toEqual([{ region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '2026-06-16T00:30', endsAtLocal: '2026-06-16T01:30', offset: '+03:30', endOffset: '+03:30' }]);
    expect(in2026).toMatchObject({ version: 1, status: 'scheduled', priority: 'routine', surgePolicy: 'hold', nextOccurrence: { number: 1, status: 'scheduled' } });
    const lastYear = await api('POST', '/v1/windows', { title: 'Last year', ownerTeam: 'network-platform', footprint: { global: false, regions: ['IR'] }, startsAt: '2025-06-15T21:00:00Z', endsAt: '2025-06-15T22:00:00Z', plannedZone: 'UTC' });
    expect(lastYear).toMatchObject({ status: 422, body: { code: 'window-in-past', errors: [{ path: 'endsAt', message: 'ends before now' }] } });
    // A mistyped year in the end: refused with the window's length, not planned to hold every surge's region for a century.
    const typo = { title: 'Typo', ownerTeam: 'network-platform', footprint: { global: true, regions: [] }, startsAt: '2026-06-15T21:00:00Z', endsAt: '2126-06-15T22:00:00Z', plannedZone: 'UTC' };
    expect(await api('POST', '/v1/windows', typo)).toMatchObject({ status: 422, body: { code: 'window-too-long' } });
    // A flexibility range shorter than the window: no slot could ever be proposed for it when a surge holds it.
    const cramped = await api('POST', '/v1/windows', { ...typo, endsAt: '2026-06-15T23:00:00Z', flexibility: { earliestStartAt: '2026-06-15T21:00:00Z', deadlineAt: '2026-06-15T22:00:00Z' } });
    expect(cramped).toMatchObject({
      status: 400,
      body: { code: 'invalid-body', errors: [{ path: 'flexibility.deadlineAt', message: 'leaves 60 minutes from earliestStartAt, and the window lasts 120: no slot fits; move deadlineAt later' }] },
    });
    // A daily window lasting a day and a half: each run would overlap the next.
    const dailyTooLong = await api('POST', '/v1/windows', { ...typo, endsAt: '2026-06-17T09:00:00Z', recurrence: 'FREQ=DAILY' });
    expect(dailyTooLong).toMatchObject({ status: 422, body: { code: 'overlapping-occurrences' } });
    // 24 hours a day, every day, in Berlin: the day the clocks go forward is 23 hours long, so that run reaches into the next.
    clock.set('2027-03-15T00:00:00Z');
    const roundTheClock = await api('POST', '/v1/windows', { ...typo, startsAt: '2027-03-20T23:00:00Z', endsAt: '2027-03-21T23:00:00Z', plannedZone: 'Europe/Berlin', recurrence: 'FREQ=DAILY;COUNT=14' });
    clock.set('2026-06-14T20:00:00Z');
    expect(roundTheClock.status).toBe(422);
    expect(roundTheClock.body.detail).toContain('The run starting 2027-03-27T23:00:00.000Z lasts until 2027-03-28T23:00:00.000Z, after the next run starts at 2027-03-28T22:00:00.000Z');
    expect(lastYear.body.detail).toBe('Every run of this window has ended by now (2026-06-14T20:00:00.000Z): the last ends 2025-06-15T22:00:00.000Z. Check the date; plan a window ahead of now.');
    await expectEventually(() => expect(eventsOf(windowEvents, 'window.scheduled').find((event) => event.data.windowId === in2026.windowId)?.key).toBe(in2026.windowId));
  });

  it("takes a country's code in either case in a window's footprint and a hold, as the gate and the lists do, keeping it in upper case", async () => {
    const window = { title: 'Lower-case footprint', ownerTeam: 'network', startsAt: '2027-07-01T10:00:00Z', endsAt: '2027-07-01T11:00:00Z', plannedZone: 'UTC' };
    const planned = await api('POST', '/v1/windows', { ...window, footprint: { global: false, regions: ['ls', 'sz'], shares: { ls: 0.75 } } });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    expect(planned.body.footprint).toEqual({ global: false, regions: ['LS', 'SZ'], shares: { LS: 0.75 } });
    // One region written twice is still one region twice.
    expect(await api('POST', '/v1/windows', { ...window, footprint: { global: false, regions: ['ls', 'LS'] } })).toMatchObject({
      status: 400,
      body: { code: 'invalid-body', errors: [{ path: 'footprint.regions', message: 'must not repeat a region' }] },
    });
    const hold = await api('POST', '/v1/holds', { regions: ['sz'], from: '2027-08-01T00:00:00Z', until: '2027-08-02T00:00:00Z', reason: 'a lower-case code' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect(hold.body.regions).toEqual(['SZ']);
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'shown' })).status).toBe(200);
    expect((await api('POST', '/v1/holds', { regions: ['sz', 'SZ'], from: '2027-08-01T00:00:00Z', until: '2027-08-02T00:00:00Z', reason: 'twice' })).body).toMatchObject({ code: 'invalid-body', errors: [{ path: 'regions', message: 'must not repeat a region' }] });
  });

  it('refuses a bad window naming every bad field, and an unknown region naming the code', async () => {
    const bad = await api('POST', '/v1/windows', { title: '', ownerTeam: 'x', footprint: { global: false, regions: ['IR'] }, startsAt: '2026-06-15T10:00:00Z', endsAt: '2026-06-15T09:00:00Z', plannedZone: 'Mars/Base', recurrence: 'FREQ=MINUTELY' });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect((bad.body.errors as { path: string }[]).map((error) => error.path).sort()).toEqual(['endsAt', 'plannedZone', 'recurrence', 'title']);
    const unknown = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'x', footprint: { global: false, regions: ['IR', 'XX', 'atlantis'] }, startsAt: '2026-06-15T10:00:00Z', endsAt: '2026-06-15T11:00:00Z', plannedZone: 'UTC' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'unknown-region', errors: [{ path: 'footprint.regions', message: 'unknown region XX' }, { path: 'footprint.regions', message: 'unknown region atlantis' }] });
    expect(unknown.body.detail).toContain('XX, atlantis');
    const regions = await api('GET', '/v1/regions');
    expect(regions.body.items).toContainEqual(expect.objectContaining({ code: 'IR', zone: 'Asia/Tehran' }));
    expect(await api('GET', '/v1/regions?country=IR')).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'country' }] } });
    // A route that reads no query refuses one too: a parameter it would ignore (a dry run asked for) is not a request it can keep.
    const dryRun = await api('POST', '/v1/windows?dryRun=true&validateOnly=1', { title: 'Only a try', ownerTeam: 'x', footprint: { global: true, regions: [] }, startsAt: '2026-06-15T10:00:00Z', endsAt: '2026-06-15T11:00:00Z', plannedZone: 'UTC' });
    expect(dryRun).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'dryRun', message: 'is not a field of this request' }, { path: 'validateOnly' }] } });
    expect(((await api('GET', '/v1/windows?team=x')).body.items as { title: string }[]).map((window) => window.title)).not.toContain('Only a try');
    expect(await api('GET', '/v1/windows/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b?foo=1')).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'foo' }] } });
    // JSON allows NUL in text and PostgreSQL refuses it: named as the caller's to fix, never a 500.
    const withNul = await api('POST', '/v1/windows', { title: 'Net\u0000work upgrade', ownerTeam: 'x', footprint: { global: true, regions: [] }, startsAt: '2026-06-15T10:00:00Z', endsAt: '2026-06-15T11:00:00Z', plannedZone: 'UTC' });
    expect(withNul).toMatchObject({ status: 400, body: { code: 'invalid-body', errors: [{ path: 'title', message: 'holds the NUL character (U+0000), which Holdfast cannot store: remove it' }] } });
    expect(await api('GET', '/v1/keys?team=network%00ops')).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'team' }] } });
  });

  it('refuses an instant in year 0000 as the caller\'s to fix wherever one is taken, never a 500 (PostgreSQL reads no such year)', async () => {
    const yearZero = '0000-06-01T00:00:00Z';
    const message = 'must fall within the years 0001-9999: there is no year 0000 to keep';
    for (const [path, field] of [
      [`/v1/audit?from=${yearZero}`, 'from'],
      [`/v1/windows?from=${yearZero}`, 'from'],
      [`/v1/dead-letters?since=${yearZero}`, 'since'],
    ]) {
      expect(await api('GET', path), path).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: field, message }] } });
    }
    expect(await api('POST', '/v1/dead-letters/replay', { until: yearZero })).toMatchObject({ status: 400, body: { code: 'invalid-body', errors: [{ path: 'until', message }] } });
    const window = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'x', footprint: { global: true, regions: [] }, startsAt: yearZero, endsAt: '2026-06-15T11:00:00Z', plannedZone: 'UTC' });
    expect(window).toMatchObject({ status: 400, body: { code: 'invalid-body', errors: [{ path: 'startsAt', message }] } });
  });

  it('updates with the version from If-Match or the body, and answers a stale body version with 409 and the current version', async () => {
    const window = await plan({ startsAt: '2026-07-01T10:00:00Z', endsAt: '2026-07-01T11:00:00Z', ownerTeam: 'storage' });
    const first = await api('PATCH', `/v1/windows/${window.windowId}`, { title: 'Renamed' }, { 'if-match': '"1"' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ version: 2, title: 'Renamed' });
    // Where to read the version, the window's own path; no version made up to copy (a "3" gave a 412 on a window at 2).
    expect(await api('PATCH', `/v1/windows/${window.windowId}`, { title: 'Again' })).toMatchObject({
      status: 428,
      body: {
        code: 'version-required',
        detail: `Say which version of window ${window.windowId} you change: send If-Match with the ETag GET /v1/windows/${window.windowId} answered when you read it (its version in double quotes), or "version" in the body.`,
      },
    });
    expect(await api('PATCH', `/v1/windows/${window.windowId}`, { title: 'Again' }, { 'if-match': '"abc"' })).toMatchObject({
      status: 400,
      body: { code: 'invalid-version', errors: [{ path: 'If-Match', message: 'must be a window version such as "3"' }] },
    });
    const stale = await api('PATCH', `/v1/windows/${window.windowId}`, { title: 'Again', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'stale-version', currentVersion: 2 });
    const moved = await api('PATCH', `/v1/windows/${window.windowId}`, { startsAt: '2026-07-02T10:00:00Z', endsAt: '2026-07-02T11:00:00Z', version: 2 });
    expect(moved.body).toMatchObject({ version: 3, nextOccurrence: { startsAt: '2026-07-02T10:00:00.000Z' } });
    const intoThePast = await api('PATCH', `/v1/windows/${window.windowId}`, { startsAt: '2026-06-01T10:00:00Z', endsAt: '2026-06-01T11:00:00Z', version: 3 });
    expect(intoThePast).toMatchObject({ status: 422, body: { code: 'window-in-past' } });
    const aCenturyLong = await api('PATCH', `/v1/windows/${window.windowId}`, { endsAt: '2126-07-02T11:00:00Z', version: 3 });
    expect(aCenturyLong).toMatchObject({ status: 422, body: { code: 'window-too-long', errors: [{ path: 'endsAt', message: 'more than 744 hours after startsAt' }] } });
    expect(aCenturyLong.body.detail).toContain('876,577 hours (2026-07-02T10:00:00.000Z to 2126-07-02T11:00:00Z)');
    const overlapping = await api('PATCH', `/v1/windows/${window.windowId}`, { endsAt: '2026-07-04T10:00:00Z', recurrence: 'FREQ=DAILY', version: 3 });
    expect(overlapping).toMatchObject({ status: 422, body: { code: 'overlapping-occurrences', errors: [{ path: 'recurrence' }] } });
    expect(overlapping.body.detail).toContain('The run starting 2026-07-02T10:00:00.000Z lasts until 2026-07-04T10:00:00.000Z, after the next run starts at 2026-07-03T10:00:00.000Z');
    const crampedByPatch = await api('PATCH', `/v1/windows/${window.windowId}`, { flexibility: { earliestStartAt: '2026-07-02T00:00:00Z', deadlineAt: '2026-07-02T00:30:00Z' }, version: 3 });
    expect(crampedByPatch).toMatchObject({ status: 400, body: { errors: [{ path: 'flexibility.deadlineAt', message: expect.stringContaining('leaves 30 minutes from earliestStartAt, and the window lasts 60') }] } });
    expect((await api('GET', `/v1/windows/${window.windowId}`)).body).toMatchObject({ version: 3, endsAt: '2026-07-02T11:00:00.000Z' });
    await expectEventually(() => expect(eventsOf(windowEvents, 'window.updated').filter((event) => event.data.windowId === window.windowId).map((event) => event.data.changes)).toEqual([['title'], ['startsAt', 'endsAt']]));
  });

  it('refuses a window whose first run, and a manual hold whose start, is further ahead than PLAN_MAX_AHEAD_DAYS (a year typed wrong), naming the field, the bound and the setting', async () => {
    clock.set('2026-06-14T20:00:00Z');
    const fiji = { title: 'Fiji cable station', ownerTeam: 'far-ahead', footprint: { global: false, regions: ['FJ'] }, plannedZone: 'Pacific/Fiji' };
    // 2062 typed for 2026: stored, it would plan nothing near and hold nothing in the period meant.
    const typo = await api('POST', '/v1/windows', { ...fiji, startsAt: '2062-06-15T21:00:00Z', endsAt: '2062-06-15T22:00:00Z' });
    expect(typo).toMatchObject({ status: 422, body: { code: 'window-too-far-ahead', errors: [{ path: 'startsAt', message: 'more than 730 days from now' }] } });
    expect(typo.body.detail).toBe(
      "This window's first run starts at 2062-06-15T21:00:00Z, 13,150 days from now (2026-06-14T20:00:00.000Z), further ahead than the 730 days a window may be planned (PLAN_MAX_AHEAD_DAYS). Check the year in startsAt and endsAt, or plan the window nearer the time.",
    );
    expect(await api('POST', '/v1/windows', { ...fiji, startsAt: '2062-06-15T21:00:00Z', endsAt: '2062-06-15T22:00:00Z', recurrence: 'FREQ=YEARLY' })).toMatchObject({ status: 422, body: { code: 'window-too-far-ahead' } });
    // 730 days ahead, the bound itself (2028 is a leap year: 13 June), is still a plan.
    const twoYears = await plan({ ...fiji, startsAt: '2028-06-13T20:00:00Z', endsAt: '2028-06-13T21:00:00Z' });
    const moved = await api('PATCH', `/v1/windows/${twoYears.windowId}`, { startsAt: '2062-06-13T20:00:00Z', endsAt: '2062-06-13T21:00:00Z' }, { 'if-match': '"1"' });
    expect(moved).toMatchObject({ status: 422, body: { code: 'window-too-far-ahead', errors: [{ path: 'startsAt', message: 'more than 730 days from now' }] } });
    expect((await api('PATCH', `/v1/windows/${twoYears.windowId}`, { title: 'Renamed' }, { 'if-match': '"1"' })).status).toBe(200);

    const hold = { regions: ['FJ'], reason: 'Election in FJ' };
    for (const period of [{ from: '2062-09-01T00:00:00Z', until: '2062-09-03T00:00:00Z' }, { from: '2062-09-01T00:00:00Z' }]) {
      const refused = await api('POST', '/v1/holds', { ...hold, ...period });
      expect(refused).toMatchObject({ status: 422, body: { code: 'hold-too-far-ahead', errors: [{ path: 'from', message: 'more than 730 days from now' }] } });
      expect(refused.body.detail).toBe(
        'This hold starts at 2062-09-01T00:00:00Z, 13,227.2 days from now (2026-06-14T20:00:00.000Z), further ahead than the 730 days a hold may be declared (PLAN_MAX_AHEAD_DAYS). Check the year in from, or declare the hold nearer the time.',
      );
    }
    const nearer = await api('POST', '/v1/holds', { ...hold, from: '2028-06-13T20:00:00Z', until: '2028-06-14T20:00:00Z' });
    expect(nearer.status, JSON.stringify(nearer.body)).toBe(201);
    expect((await api('POST', `/v1/holds/${nearer.body.id}/release`, { reason: 'declared to show the bound' })).status).toBe(200);
  });

  it('refuses a flexibility reaching further ahead than PLAN_MAX_AHEAD_DAYS (a year typed wrong), naming each field, on POST and on a PATCH that changes it', async () => {
    clock.set('2026-06-14T20:00:00Z');
    const fiji = { title: 'Fiji cable station', ownerTeam: 'far-ahead', footprint: { global: false, regions: ['FJ'] }, plannedZone: 'Pacific/Fiji', startsAt: '2026-06-20T21:00:00Z', endsAt: '2026-06-20T22:00:00Z' };
    // 2062 typed for 2026 in the deadline: slots would be searched over 36 years (past the search's limit: none at all).
    const deadline = await api('POST', '/v1/windows', { ...fiji, flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2062-06-30T00:00:00Z' } });
    expect(deadline).toMatchObject({ status: 422, body: { code: 'flexibility-too-far-ahead', errors: [{ path: 'flexibility.deadlineAt', message: "more than 730 days from now and the window's length" }] } });
    expect(deadline.body.detail).toBe(
      "This window's flexibility.deadlineAt 2062-06-30T00:00:00Z is 13,164.2 days from now (2026-06-14T20:00:00.000Z), further ahead than the 730 days a window may be planned (PLAN_MAX_AHEAD_DAYS): slots would be searched, and runs moved automatically, that far ahead. Check the year in flexibility, or leave the flexibility out to have slots searched in the 7 days from now.",
    );
    // Both typed wrong: an automatic move would have taken the run to 2062.
    const both = await api('POST', '/v1/windows', { ...fiji, flexibility: { earliestStartAt: '2062-06-15T00:00:00Z', deadlineAt: '2062-06-30T00:00:00Z', autoMove: true } });
    expect(both).toMatchObject({ status: 422, body: { code: 'flexibility-too-far-ahead', errors: [{ path: 'flexibility.earliestStartAt' }, { path: 'flexibility.deadlineAt' }] } });
    // At the bound, a run starting there ending by the deadline, it is still a plan.
    const window = await plan({ ...fiji, flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2028-06-13T21:00:00Z' } });
    const patched = await api('PATCH', `/v1/windows/${window.windowId}`, { flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2062-06-30T00:00:00Z' } }, { 'if-match': '"1"' });
    expect(patched).toMatchObject({ status: 422, body: { code: 'flexibility-too-far-ahead', errors: [{ path: 'flexibility.deadlineAt' }] } });
    expect((await api('PATCH', `/v1/windows/${window.windowId}`, { flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2026-06-30T00:00:00Z' } }, { 'if-match': '"1"' })).status).toBe(200);
  });

  it('refuses a flexibility that leaves no slot (its deadline passed, or allowed hours shorter than a run), and an owner team no key could be issued for', async () => {
    clock.set('2026-06-14T20:00:00Z');
    const kenya = { title: 'Nairobi edge swap', ownerTeam: 'edge', footprint: { global: false, regions: ['KE'] }, plannedZone: 'Africa/Nairobi', startsAt: '2026-06-20T21:00:00Z', endsAt: '2026-06-20T22:00:00Z' };
    const passed = await api('POST', '/v1/windows', { ...kenya, flexibility: { earliestStartAt: '2001-01-01T00:00:00Z', deadlineAt: '2001-01-02T00:00:00Z' } });
    expect(passed).toMatchObject({ status: 422, body: { code: 'flexibility-passed', errors: [{ path: 'flexibility.deadlineAt', message: 'leaves no slot after now' }] } });
    expect(passed.body.detail).toContain('a run of 60 minutes would have to start by 2001-01-01T23:00:00.000Z');
    const cramped = await api('POST', '/v1/windows', { ...kenya, flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2026-06-30T00:00:00Z', allowedLocalHours: { ranges: [{ from: '01:00', to: '01:30' }] } } });
    expect(cramped).toMatchObject({
      status: 400,
      body: { code: 'invalid-body', errors: [{ path: 'flexibility.allowedLocalHours.ranges', message: 'leave at most 30 minutes in a row, and the window lasts 60: no slot fits within them; widen a range' }] },
    });
    // Two ranges meeting at midnight hold a run across it.
    const window = await plan({ ...kenya, flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2026-06-30T00:00:00Z', allowedLocalHours: { ranges: [{ from: '23:30', to: '24:00' }, { from: '00:00', to: '00:30' }] } } });
    const narrowed = await api('PATCH', `/v1/windows/${window.windowId}`, { flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2026-06-30T00:00:00Z', allowedLocalHours: { ranges: [{ from: '23:30', to: '24:00' }] } } }, { 'if-match': '"1"' });
    expect(narrowed).toMatchObject({ status: 400, body: { errors: [{ path: 'flexibility.allowedLocalHours.ranges' }] } });
    const expired = await api('PATCH', `/v1/windows/${window.windowId}`, { flexibility: { earliestStartAt: '2026-06-01T00:00:00Z', deadlineAt: '2026-06-14T20:30:00Z' } }, { 'if-match': '"1"' });
    expect(expired).toMatchObject({ status: 422, body: { code: 'flexibility-passed' } });

    const strangeTeam = await api('POST', '/v1/windows', { ...kenya, ownerTeam: 'Probe Team/ü' });
    expect(strangeTeam).toMatchObject({ status: 400, body: { code: 'invalid-body', errors: [{ path: 'ownerTeam', message: 'must be a team name in lower case, letters, digits and hyphens (network-ops)' }] } });
    expect(await api('POST', '/v1/windows', { ...kenya, title: '   ' })).toMatchObject({ status: 400, body: { errors: [{ path: 'title', message: 'must name the work (it is only white space)' }] } });
  });

  it('plans an hourly hour-long window across Lord Howe Island’s half-hour change, its runs an hour apart (no overlap to refuse)', async () => {
    // 2027-04-04 02:00 +11:00 becomes 01:30 +10:30. Before, the 01:45 run came again 30 minutes later, and the window was refused as overlapping itself.
    clock.set('2027-04-01T00:00:00Z');
    const hourly = await plan({
      ownerTeam: 'lord-howe',
      footprint: { global: false, regions: ['FJ'] },
      startsAt: '2027-04-03T13:45:00Z',
      endsAt: '2027-04-03T14:45:00Z',
      plannedZone: 'Australia/Lord_Howe',
      recurrence: 'FREQ=HOURLY;COUNT=4',
    });
    clock.set('2026-06-14T20:00:00Z');
    expect((await occurrences(hourly.windowId)).map((run) => run.startsAt)).toEqual(['2027-04-03T13:45:00.000Z', '2027-04-03T14:45:00.000Z', '2027-04-03T15:45:00.000Z', '2027-04-03T16:45:00.000Z']);
  });

  it('gives a window its version as a strong ETag, and takes back in If-Match what it gave: weak, in a list, or *', async () => {
    const created = await api('POST', '/v1/windows', {
      title: 'Payment switch patch',
      ownerTeam: 'payments',
      footprint: { global: false, regions: ['BO'] },
      startsAt: '2026-09-10T10:00:00Z',
      endsAt: '2026-09-10T11:00:00Z',
      plannedZone: 'America/La_Paz',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('etag')).toBe('"1"');
    const id = created.body.windowId as string;
    expect(created.headers.get('location')).toBe(`/v1/windows/${id}`);
    const read = await api('GET', `/v1/windows/${id}`);
    expect(read.headers.get('etag')).toBe('"1"');
    // What GET gave, as RFC 9110 has a client send it back (Express's body hash, W/"...", was a 400 invalid-version here).
    const renamed = await api('PATCH', `/v1/windows/${id}`, { title: 'Payment switch patch 2' }, { 'if-match': read.headers.get('etag')! });
    expect(renamed).toMatchObject({ status: 200, body: { version: 2 } });
    expect(renamed.headers.get('etag')).toBe('"2"');
    // Weakened on its way (a compressing proxy does that), and a list matching by any member.
    expect(await api('PATCH', `/v1/windows/${id}`, { title: 'Payment switch patch 3' }, { 'if-match': 'W/"2"' })).toMatchObject({ status: 200, body: { version: 3 } });
    expect(await api('PATCH', `/v1/windows/${id}`, { title: 'Payment switch patch 4' }, { 'if-match': '"1", "3"' })).toMatchObject({ status: 200, body: { version: 4 } });
    // RFC 9110 13.1.1: a failed If-Match is 412, naming the current ETag; a stale body version stays a 409 conflict.
    const failed = await api('PATCH', `/v1/windows/${id}`, { title: 'stale' }, { 'if-match': '"2", W/"3"' });
    expect(failed).toMatchObject({ status: 412, body: { type: 'https://holdfast.dev/problems/precondition-failed', code: 'precondition-failed', currentVersion: 4 } });
    expect(failed.body.detail).toBe(`Window ${id} is at version 4 (ETag "4"), not "2" or "3" as If-Match says: read it again (GET /v1/windows/${id}) for its new ETag, then reapply your change.`);
    expect(await api('PATCH', `/v1/windows/${id}`, { title: 'stale', version: 3 })).toMatchObject({ status: 409, body: { code: 'stale-version', currentVersion: 4 } });
    expect(await api('PATCH', `/v1/windows/${id}`, { title: 'a hash' }, { 'if-match': 'W/"1f-Kx3mV0"' })).toMatchObject({ status: 400, body: { code: 'invalid-version' } });
    const any = await api('PATCH', `/v1/windows/${id}`, { title: 'Payment switch patch' }, { 'if-match': '*' });
    expect(any).toMatchObject({ status: 200, body: { version: 5 } });
    expect(any.headers.get('etag')).toBe('"5"');

    // A hold changes the window's status, not its version: a read naming its tag in If-None-Match still gets the window, held.
    // Sent as a browser revalidates its cache (fetch's own conditional request would add Cache-Control: no-cache, which Express never answers 304).
    const hold = await api('POST', '/v1/holds', { regions: ['BO'], from: '2026-09-10T00:00:00Z', until: '2026-09-11T00:00:00Z', reason: 'Elections in BO' });
    expect(hold).toMatchObject({ status: 201 });
    expect(hold.headers.get('location')).toBe(`/v1/holds/${hold.body.id}`);
    const revalidated = await api('GET', `/v1/windows/${id}`, undefined, { 'if-none-match': '"5"', 'cache-control': 'max-age=0' });
    expect(revalidated).toMatchObject({ status: 200, body: { version: 5, status: 'held' } });
    expect(revalidated.headers.get('etag')).toBe('"5"');

    const cancelled = await api('POST', `/v1/windows/${id}/cancel`, { reason: 'moved to next quarter' }, { 'if-match': 'W/"5"' });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', version: 6 } });
    expect(cancelled.headers.get('etag')).toBe('"6"');
    const another = await plan({ ownerTeam: 'payments', startsAt: '2026-09-12T10:00:00Z', endsAt: '2026-09-12T11:00:00Z' });
    expect(await api('DELETE', `/v1/windows/${another.windowId}?reason=not%20needed`, undefined, { 'if-match': '"7"' })).toMatchObject({ status: 412, body: { code: 'precondition-failed', currentVersion: 1 } });
    const deleted = await api('DELETE', `/v1/windows/${another.windowId}?reason=not%20needed`, undefined, { 'if-match': (await api('GET', `/v1/windows/${another.windowId}`)).headers.get('etag')! });
    expect(deleted).toMatchObject({ status: 200, body: { status: 'cancelled', version: 2 } });
    expect(deleted.headers.get('etag')).toBe('"2"');
  });

  it('takes a PATCH that sends back what the window already is as no change, whatever order its keys and regions come in', async () => {
    const flexibility = { earliestStartAt: '2026-07-10T00:00:00Z', deadlineAt: '2026-07-20T00:00:00Z', autoMove: false };
    const footprint = { global: false, regions: ['IR', 'DE'], shares: { IR: 0.6, DE: 0.4 } };
    const window = await plan({ startsAt: '2026-07-12T10:00:00Z', endsAt: '2026-07-12T11:00:00Z', ownerTeam: 'echo', footprint, flexibility });
    const echoed = await api('PATCH', `/v1/windows/${window.windowId}`, {
      version: 1,
      flexibility: { autoMove: false, deadlineAt: flexibility.deadlineAt, earliestStartAt: flexibility.earliestStartAt },
      footprint: { global: false, regions: ['DE', 'IR'], shares: { DE: 0.4, IR: 0.6 } },
    });
    expect(echoed.status, JSON.stringify(echoed.body)).toBe(200);
    expect(echoed.body.version).toBe(1);
    const renamed = await api('PATCH', `/v1/windows/${window.windowId}`, { version: 1, title: 'Renamed', footprint: { ...footprint, shares: { DE: 0.4, IR: 0.6 } } });
    expect(renamed.body).toMatchObject({ version: 2, title: 'Renamed' });
    await expectEventually(() => expect(eventsOf(windowEvents, 'window.updated').filter((event) => event.data.windowId === window.windowId).map((event) => event.data.changes)).toEqual([['title']]));
  });

  it('stores a planned zone under its tzdb name, whatever case or old name it is sent in, so lookups by name find it', async () => {
    const window = await plan({ plannedZone: 'asia/calcutta' });
    expect(window.plannedZone).toBe('Asia/Kolkata');
    const moved = await api('PATCH', `/v1/windows/${window.windowId}`, { version: 1, plannedZone: 'europe/berlin' });
    expect(moved.body).toMatchObject({ version: 2, plannedZone: 'Europe/Berlin' });
    // Sent again in another case, it is no change.
    const same = await api('PATCH', `/v1/windows/${window.windowId}`, { version: 2, plannedZone: 'EUROPE/BERLIN' });
    expect(same.body.version).toBe(2);
    // A window stored before names were canonical, its own zone sent back: no change either, no replan.
    await service.app.get(DataSource).query(`UPDATE maintenance_window SET planned_zone = 'Asia/Calcutta' WHERE id = $1`, [window.windowId]);
    const echoed = await api('PATCH', `/v1/windows/${window.windowId}`, { version: 2, plannedZone: 'Asia/Calcutta' });
    expect(echoed.status).toBe(200);
    expect(echoed.body.version).toBe(2);
    // tzdb's names for GMT and UTC with no place in them (answered 422 unknown-zone once): the zone they link to.
    expect((await plan({ plannedZone: 'GMT' })).plannedZone).toBe('Etc/GMT');
    expect((await plan({ plannedZone: 'Etc/Universal' })).plannedZone).toBe('UTC');
  });

  it('lists windows by team, region and time range in a stable order, page by page', async () => {
    for (const day of [3, 4, 5]) await plan({ ownerTeam: 'paging', startsAt: `2026-08-0${day}T10:00:00Z`, endsAt: `2026-08-0${day}T11:00:00Z` });
    const first = await api('GET', '/v1/windows?team=paging&limit=2&region=IR&from=2026-08-01T00:00:00Z');
    expect(first.body.items.map((item: { startsAt: string }) => item.startsAt)).toEqual(['2026-08-03T10:00:00.000Z', '2026-08-04T10:00:00.000Z']);
    const second = await api('GET', `/v1/windows?team=paging&limit=2&region=IR&from=2026-08-01T00:00:00Z&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { startsAt: string }) => item.startsAt)).toEqual(['2026-08-05T10:00:00.000Z']);
    expect(second.body.nextCursor).toBeNull();
    expect((await api('GET', '/v1/windows?team=paging&region=DE')).body.items).toEqual([]);
  });

  it("filters windows and holds by a country's code typed in any case, as the calendars and the analyzer's surges do, spaces around it dropped, and refuses an unknown code naming it and a blank one", async () => {
    const window = await plan({ ownerTeam: 'case-ops', footprint: { global: false, regions: ['LK'] }, startsAt: '2026-08-10T10:00:00Z', endsAt: '2026-08-10T11:00:00Z' });
    const hold = await api('POST', '/v1/holds', { regions: ['LK'], from: '2026-08-20T00:00:00Z', until: '2026-08-21T00:00:00Z', reason: 'Vesak in LK' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    for (const typed of ['LK', 'lk', 'Lk', '%20lk%20']) {
      expect((await api('GET', `/v1/windows?team=case-ops&region=${typed}`)).body.items.map((item: { id: string }) => item.id), typed).toEqual([window.id]);
      expect((await api('GET', `/v1/holds?region=${typed}`)).body.items.map((item: { id: string }) => item.id), typed).toEqual([hold.body.id]);
    }
    for (const path of ['/v1/windows?region=lkx', '/v1/holds?region=lkx']) {
      const unknown = await api('GET', path);
      expect(unknown.status, path).toBe(422);
      expect(unknown.body).toMatchObject({ code: 'unknown-region', errors: [{ path: 'region', message: 'unknown region lkx' }] });
    }
    // Spaces only (`?region=$R` with R blank), as the analyzer's surges answer it: no filter read as none, which would list every region's.
    for (const path of ['/v1/windows?region=%20', '/v1/holds?region=%20']) {
      const blank = await api('GET', path);
      expect(blank.status, path).toBe(400);
      expect(blank.body.errors, path).toEqual([expect.objectContaining({ path: 'region' })]);
    }
  });

  it("refuses a recurring window whose start is not a run of its rule, naming the first run, in the planned zone's days; a first date left out by exdates is no such start", async () => {
    // Sunday 21 June 2026, 07:00 in Tokyo (Saturday 22:00 UTC), for a rule of Mondays.
    const sunday = { ownerTeam: 'rule-ops', footprint: { global: false, regions: ['JP'] }, startsAt: '2026-06-20T22:00:00Z', endsAt: '2026-06-20T23:00:00Z', plannedZone: 'Asia/Tokyo' };
    const offRule = await api('POST', '/v1/windows', { ...sunday, title: 'Mondays from a Sunday', recurrence: 'FREQ=WEEKLY;BYDAY=MO;COUNT=2' });
    expect(offRule.status, JSON.stringify(offRule.body)).toBe(422);
    expect(offRule.body).toMatchObject({
      code: 'start-not-in-recurrence',
      // The rule as it would be stored: its parts in RFC 5545's order.
      detail: expect.stringContaining('(Sunday 2026-06-21 07:00 in Asia/Tokyo) is not a run of FREQ=WEEKLY;COUNT=2;BYDAY=MO: its first run would start 2026-06-21T22:00:00.000Z (Monday 2026-06-22 07:00)'),
      errors: [{ path: 'startsAt', message: 'is not a run of the recurrence: its first run starts 2026-06-21T22:00:00.000Z' }],
    });
    // In Tokyo's days, not UTC's: Sunday 07:00 there is a Saturday in UTC.
    const sundays = await plan({ ...sunday, title: 'Sundays', recurrence: 'FREQ=WEEKLY;BYDAY=SU;COUNT=2' });
    expect((await occurrences(sundays.id)).map((run) => run.startsAt)).toEqual(['2026-06-20T22:00:00.000Z', '2026-06-27T22:00:00.000Z']);
    const firstLeftOut = await plan({ ...sunday, title: 'Sundays but the first', recurrence: 'FREQ=WEEKLY;BYDAY=SU;COUNT=3', exdates: ['2026-06-21T07:00'] });
    expect((await occurrences(firstLeftOut.id)).map((run) => run.startsAt)).toEqual(['2026-06-27T22:00:00.000Z', '2026-07-04T22:00:00.000Z']);
    const moved = await api('PATCH', `/v1/windows/${sundays.id}`, { recurrence: 'FREQ=WEEKLY;BYDAY=MO' }, { 'if-match': '"1"' });
    expect(moved.status).toBe(422);
    expect(moved.body).toMatchObject({ code: 'start-not-in-recurrence' });
  });

  it("answers the gate for a country's code typed in any case, naming it as the catalog spells it, and refuses an unknown code at regions", async () => {
    const hold = await api('POST', '/v1/holds', { regions: ['MV'], from: '2026-08-20T00:00:00Z', until: '2026-08-21T00:00:00Z', reason: 'Independence Day in MV' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    for (const typed of ['MV', 'mv', 'Mv', 'mv,MV']) {
      const held = await api('GET', `/v1/gate?regions=${typed}&at=2026-08-20T12:00:00Z`);
      expect(held.status, typed).toBe(423);
      expect(held.body, typed).toMatchObject({ code: 'held', holds: [{ id: hold.body.id }], detail: expect.stringMatching(/^Region MV is held by hold /) });
    }
    expect((await api('GET', '/v1/gate?regions=mv&at=2026-08-21T12:00:00Z')).body).toEqual({ allowed: true });
    const unknown = await api('GET', '/v1/gate?regions=mv,uk');
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'unknown-region', errors: [{ path: 'regions', message: 'unknown region uk' }] });
  });

  it('pages windows planned with sub-millisecond times without repeating one (kept to the millisecond, as cursors are)', async () => {
    clock.set('2026-09-20T00:00:00Z');
    // Python's isoformat() writes microseconds.
    const first = await plan({ ownerTeam: 'paging-micro', startsAt: '2026-09-22T10:00:00.000500Z', endsAt: '2026-09-22T11:00:00.999999Z' });
    const second = await plan({ ownerTeam: 'paging-micro', startsAt: '2026-09-22T10:00:00.001Z', endsAt: '2026-09-22T11:00:00Z' });
    expect(first).toMatchObject({ startsAt: '2026-09-22T10:00:00.000Z', endsAt: '2026-09-22T11:00:00.999Z' });
    const pages = await everyPage<{ windowId: string }>((cursor) => service.fetch(`/v1/windows?team=paging-micro&limit=1${cursor ? `&cursor=${cursor}` : ''}`));
    expect(pages.flat().map((window) => window.windowId)).toEqual([first.windowId, second.windowId]);
    const moved = await api('PATCH', `/v1/windows/${second.windowId}`, { startsAt: '2026-09-22T09:00:00.000250Z', endsAt: '2026-09-22T09:30:00.000250Z' }, { 'if-match': '"1"' });
    expect(moved.body).toMatchObject({ startsAt: '2026-09-22T09:00:00.000Z', endsAt: '2026-09-22T09:30:00.000Z' });
    const again = await everyPage<{ windowId: string }>((cursor) => service.fetch(`/v1/windows?team=paging-micro&limit=1${cursor ? `&cursor=${cursor}` : ''}`));
    expect(again.flat().map((window) => window.windowId)).toEqual([second.windowId, first.windowId]);
  });

  it('lists for a time range only the windows with a run in it, not one whose runs fall either side', async () => {
    clock.set('2026-09-20T00:00:00Z');
    // Every other Monday: 21 September and 5 October.
    const fortnightly = await plan({ ownerTeam: 'range-runs', startsAt: '2026-09-21T10:00:00Z', endsAt: '2026-09-21T11:00:00Z', recurrence: 'FREQ=WEEKLY;INTERVAL=2;COUNT=2', plannedZone: 'UTC' });
    const listed = async (from: string, to: string) => ((await api('GET', `/v1/windows?team=range-runs&from=${from}&to=${to}`)).body.items as { windowId: string }[]).map((window) => window.windowId);
    expect(await listed('2026-09-24T00:00:00Z', '2026-10-01T00:00:00Z')).toEqual([]);
    expect(await listed('2026-09-21T10:30:00Z', '2026-10-01T00:00:00Z')).toEqual([fortnightly.windowId]);
    expect(await listed('2026-09-24T00:00:00Z', '2026-10-05T10:00:01Z')).toEqual([fortnightly.windowId]);
  });

  it("replans a recurring window's runs to come when its time changes, and leaves the runs that have run or are running as they were", async () => {
    clock.set('2026-10-10T10:30:00Z');
    const daily = await plan({ ownerTeam: 'replan', startsAt: '2026-10-09T10:00:00Z', endsAt: '2026-10-09T11:00:00Z', plannedZone: 'UTC', recurrence: 'FREQ=DAILY;COUNT=5' });
    await sweep.sweep();
    expect((await api('POST', `/v1/windows/${daily.windowId}/occurrences/2/start`)).status).toBe(200);
    const moved = await api('PATCH', `/v1/windows/${daily.windowId}`, { endsAt: '2026-10-09T11:30:00Z' }, { 'if-match': '"1"' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const runs = (await occurrences(daily.windowId)).map((run: Record<string, any>) => [run.number, run.startsAt.slice(0, 16), run.endsAt.slice(11, 16), run.status]);
    expect(runs).toEqual([
      [1, '2026-10-09T10:00', '11:00', 'missed'],
      [2, '2026-10-10T10:00', '11:00', 'in-progress'],
      [3, '2026-10-11T10:00', '11:30', 'scheduled'],
      [4, '2026-10-12T10:00', '11:30', 'scheduled'],
      [5, '2026-10-13T10:00', '11:30', 'scheduled'],
    ]);
  });

  it('keeps a COUNT-limited series at its count when its start moves past a run that took place, asking for the COUNT that does so', async () => {
    clock.set('2026-10-20T09:00:00Z');
    const weekly = await plan({ ownerTeam: 'count-kept', startsAt: '2026-10-20T10:00:00Z', endsAt: '2026-10-20T11:00:00Z', plannedZone: 'UTC', recurrence: 'FREQ=WEEKLY;COUNT=4' });
    clock.set('2026-10-20T10:00:00Z');
    expect((await api('POST', `/v1/windows/${weekly.windowId}/occurrences/1/start`)).status).toBe(200);
    clock.set('2026-10-20T10:45:00Z');
    expect((await api('POST', `/v1/windows/${weekly.windowId}/occurrences/1/complete`)).status).toBe(200);
    const runsOf = async () => (await occurrences(weekly.windowId)).map((run: Record<string, any>) => [run.number, run.startsAt.slice(0, 10), run.status]);

    // Moved a day later as it is, the rule's four runs would count again from the new start: five in all.
    const later = { startsAt: '2026-10-28T10:00:00Z', endsAt: '2026-10-28T11:00:00Z' };
    const restarted = await api('PATCH', `/v1/windows/${weekly.windowId}`, later, { 'if-match': '"1"' });
    expect(restarted).toMatchObject({
      status: 422,
      body: {
        code: 'recurrence-count-restarts',
        detail: `Window ${weekly.windowId} recurs FREQ=WEEKLY;COUNT=4, and COUNT counts runs from startsAt: moved to start at 2026-10-28T10:00:00.000Z, it would run 4 more times after the 1 run so far, 5 in all. To keep it at 4 runs, send "recurrence": "FREQ=WEEKLY;COUNT=3" with the change; to run it 4 more times, send the recurrence as it is with the change.`,
        errors: [{ path: 'recurrence', message: 'must be sent with a change of the window\'s times: COUNT=3 keeps the series at 4 runs' }],
      },
    });
    expect(await runsOf()).toEqual([
      [1, '2026-10-20', 'completed'],
      [2, '2026-10-27', 'scheduled'],
      [3, '2026-11-03', 'scheduled'],
      [4, '2026-11-10', 'scheduled'],
    ]);

    const moved = await api('PATCH', `/v1/windows/${weekly.windowId}`, { ...later, recurrence: 'FREQ=WEEKLY;COUNT=3' }, { 'if-match': '"1"' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const fourRuns = [
      [1, '2026-10-20', 'completed'],
      [2, '2026-10-28', 'scheduled'],
      [3, '2026-11-04', 'scheduled'],
      [4, '2026-11-11', 'scheduled'],
    ];
    expect(await runsOf()).toEqual(fourRuns);
    // Moved again, the rule now counting from after the run that took place: the count is kept as it is.
    const again = await api('PATCH', `/v1/windows/${weekly.windowId}`, { startsAt: '2026-10-28T12:00:00Z', endsAt: '2026-10-28T13:00:00Z' }, { 'if-match': '"2"' });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(await runsOf()).toEqual(fourRuns);
  });

  it("pages a window's runs in order, to the last", async () => {
    clock.set('2026-09-20T00:00:00Z');
    const daily = await plan({ ownerTeam: 'paging-runs', startsAt: '2026-09-21T10:00:00Z', endsAt: '2026-09-21T11:00:00Z', recurrence: 'FREQ=DAILY;COUNT=5' });
    const pages = await everyPage<{ number: number; startsAt: string }>((cursor) => service.fetch(`/v1/windows/${daily.windowId}/occurrences?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
    expect(pages.map((page) => page.map((occurrence) => occurrence.number))).toEqual([[1, 2], [3, 4], [5]]);
    expect(pages.flat().at(-1)?.startsAt).toBe('2026-09-25T10:00:00.000Z');
    expect((await api('GET', `/v1/windows/${daily.windowId}/occurrences`)).body).toMatchObject({ nextCursor: null, items: pages.flat() });
    // The runs of a time range, as the calendar page reads a week: those overlapping it, paged the same way.
    const ranged = await everyPage<{ number: number }>((cursor) =>
      service.fetch(`/v1/windows/${daily.windowId}/occurrences?from=2026-09-22T10:30:00Z&to=2026-09-24T10:00:00Z&limit=1${cursor ? `&cursor=${cursor}` : ''}`),
    );
    expect(ranged.flat().map((occurrence) => occurrence.number)).toEqual([2, 3]);
    expect(await api('GET', `/v1/windows/${daily.windowId}/occurrences?cursor=bm90LWEtY3Vyc29y`)).toMatchObject({ status: 400, body: { code: 'invalid-cursor' } });
    expect(await api('GET', `/v1/windows/${daily.windowId}/occurrences?limit=0`)).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'limit' }] } });
    // How far a recurring window's runs are stored (the horizon, 90 days from the clock); a one-off window has no such bound.
    expect((await api('GET', `/v1/windows/${daily.windowId}/occurrences`)).body.plannedThrough).toBe('2026-12-19T00:00:00.000Z');
    const once = await plan({ ownerTeam: 'paging-runs', startsAt: '2026-09-21T12:00:00Z', endsAt: '2026-09-21T13:00:00Z' });
    expect((await api('GET', `/v1/windows/${once.windowId}/occurrences`)).body.plannedThrough).toBeNull();
  });

  it('pages the audit trail and the holds to their last row, rows written at the same instant included', async () => {
    // One instant for all of it: the pages must be told apart by id alone.
    clock.set('2026-10-01T00:00:00.007Z');
    for (const day of [2, 3]) await plan({ ownerTeam: 'paging-audit', footprint: { global: false, regions: ['MN'] }, startsAt: `2026-10-0${day}T10:00:00Z`, endsAt: `2026-10-0${day}T11:00:00Z` });
    for (const reason of ['Naadam', 'Election', 'Census']) {
      expect((await api('POST', '/v1/holds', { regions: ['MN'], from: '2026-10-01T00:00:00Z', until: '2026-10-04T00:00:00Z', reason })).status).toBe(201);
    }
    const follow = async (path: string): Promise<unknown[]> => (await everyPage((cursor) => service.fetch(`${path}&limit=2${cursor ? `&cursor=${cursor}` : ''}`))).flat();
    const window = '&from=2026-10-01T00:00:00.007Z&to=2026-10-01T00:00:00.008Z';
    const wholeAudit = (await api('GET', `/v1/audit?limit=1000${window}`)).body.items as { action: string }[];
    // Two windows scheduled, three holds placed, each holding both windows' runs.
    expect(wholeAudit.filter((entry) => entry.action === 'placed')).toHaveLength(3);
    expect(wholeAudit.length).toBeGreaterThanOrEqual(11);
    expect(await follow(`/v1/audit?${window.slice(1)}`)).toEqual(wholeAudit);
    const wholeHolds = (await api('GET', '/v1/holds?region=MN')).body.items as { id: string; reason: string }[];
    expect(wholeHolds.map((hold) => hold.reason)).toEqual(expect.arrayContaining(['Naadam', 'Election', 'Census']));
    expect(await follow('/v1/holds?region=MN')).toEqual(wholeHolds);
    for (const path of ['/v1/audit?cursor=bm90LWEtY3Vyc29y', '/v1/holds?cursor=bm90LWEtY3Vyc29y']) {
      expect(await api('GET', path)).toMatchObject({ status: 400, body: { code: 'invalid-cursor', errors: [{ path: 'cursor' }] } });
    }
    // A cursor belongs to its list and query: the page size may change between pages, the list and its filters may not.
    const second = (await api('GET', '/v1/holds?region=MN&limit=2')).body.nextCursor as string;
    expect((await api('GET', `/v1/holds?limit=1&cursor=${second}&region=MN`)).body.items).toEqual([wholeHolds[2]]);
    for (const path of [`/v1/holds?region=NP&limit=2&cursor=${second}`, `/v1/holds?limit=2&cursor=${second}`, `/v1/audit?limit=2&cursor=${second}`]) {
      expect(await api('GET', path)).toMatchObject({
        status: 400,
        body: { code: 'invalid-cursor', detail: expect.stringMatching(/^The cursor was given out for another list or other filters: send it with the path and query of the page that gave it \(only limit may change\)/) },
      });
    }
  });

  it('a surge holds exactly the right occurrences: regional, global, recurring across DST, crossing the edges, in progress; exempt and other regions not; notify-only flagged', async () => {
    clock.set('2026-06-14T20:00:00Z');
    const regional = await plan({ title: 'regional' });
    const global = await plan({ title: 'global', footprint: { global: true, regions: [] } });
    const exempt = await plan({ title: 'exempt', surgePolicy: 'exempt' });
    const notifyOnly = await plan({ title: 'notify-only', surgePolicy: 'notify-only' });
    const elsewhere = await plan({ title: 'elsewhere', footprint: { global: false, regions: ['DE'] } });
    const crossingStart = await plan({ title: 'crossing the start', startsAt: '2026-06-14T20:30:00Z', endsAt: '2026-06-14T21:30:00Z' });
    const before = await plan({ title: 'ends before', startsAt: '2026-06-14T20:00:00Z', endsAt: '2026-06-14T21:00:00Z' });
    const after = await plan({ title: 'starts after the end', startsAt: '2026-06-15T03:00:00Z', endsAt: '2026-06-15T04:00:00Z' });
    const running = await plan({ title: 'running', startsAt: '2026-06-14T20:00:00Z', endsAt: '2026-06-14T23:30:00Z' });
    expect((await api('POST', `/v1/windows/${running.windowId}/occurrences/1/start`)).status).toBe(200);
    // Daily at 02:00 Europe/Berlin, over the rolling horizon, less one EXDATE.
    const recurring = await plan({
      title: 'recurring',
      plannedZone: 'Europe/Berlin',
      startsAt: '2026-06-14T00:00:00Z',
      endsAt: '2026-06-14T00:30:00Z',
      recurrence: 'FREQ=DAILY',
      exdates: ['2026-06-16T02:00'],
    });
    const recurringOccurrences = await occurrences(recurring.windowId);
    expect(recurringOccurrences.at(-1)?.startsAt).toBe('2026-09-12T00:00:00.000Z');
    expect(recurringOccurrences.some((occurrence) => occurrence.startsAt.startsWith('2026-06-16'))).toBe(false);

    const surgeId = uuidv7();
    clock.set('2026-06-14T21:00:05Z');
    await publisher.publish(surge('surge.started', 'IR', surgeId, { expectedEndAt: '2026-06-15T03:00:00Z' }));
    const [hold] = await expectEventually(async () => {
      const holds = await holdFor(surgeId);
      expect(holds).toHaveLength(1);
      return holds;
    });
    const statusOf = async (window: Record<string, any>) => (await occurrences(window.windowId))[0].status;
    expect(await statusOf(regional)).toBe('held');
    expect(await statusOf(global)).toBe('held');
    expect(await statusOf(crossingStart)).toBe('held');
    expect(await statusOf(exempt)).toBe('scheduled');
    expect(await statusOf(notifyOnly)).toBe('scheduled');
    expect(await statusOf(elsewhere)).toBe('scheduled');
    expect(await statusOf(before)).toBe('scheduled');
    expect(await statusOf(after)).toBe('scheduled');
    expect(await statusOf(running)).toBe('in-progress');
    const recurringNow = await occurrences(recurring.windowId);
    // 02:00 Berlin on 15 June (00:00Z) lies inside the hold; 14 June's run was before it.
    expect(recurringNow.filter((occurrence) => occurrence.status === 'held').map((occurrence) => occurrence.startsAt)).toEqual(['2026-06-15T00:00:00.000Z']);

    const placed = await expectEventually(() => {
      const event = eventsOf(holdEvents, 'hold.placed').find((candidate) => candidate.data.holdId === hold.id);
      expect(event).toBeDefined();
      return event!;
    });
    expect(placed.key).toBe('IR');
    expect(placed.data.windowIds.sort()).toEqual([regional.windowId, global.windowId, crossingStart.windowId, running.windowId, recurring.windowId].sort());
    expect(placed.data.notifyOnlyWindowIds).toEqual([notifyOnly.windowId]);
    const described = new Map<string, Record<string, any>>(placed.data.windows.map((window: { windowId: string }) => [window.windowId, window]));
    expect(described.get(regional.windowId)).toMatchObject({
      title: 'regional',
      ownerTeam: 'network-platform',
      plannedZone: 'America/Los_Angeles',
      notifyOnly: false,
      occurrences: [{ number: 1, status: 'held', inProgress: false, localTimes: [{ region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '2026-06-15T01:30', offset: '+03:30' }] }],
    });
    expect(described.get(running.windowId)?.occurrences[0]).toMatchObject({ inProgress: true, status: 'in-progress' });
    expect(described.get(recurring.windowId)?.plannedZone).toBe('Europe/Berlin');
    expect(described.get(notifyOnly.windowId)).toMatchObject({ notifyOnly: true });
    expect(described.get(global.windowId)?.occurrences[0].localTimes).toEqual([expect.objectContaining({ region: 'IR', zone: 'Asia/Tehran' })]);
    expect(placed.data.periodLocalTimes).toEqual([{ region: 'IR', zone: 'Asia/Tehran', fromLocal: '2026-06-15T00:30', untilLocal: '2026-06-15T06:30', offset: '+03:30', untilOffset: '+03:30' }]);
    await expectEventually(() => expect(eventsOf(windowEvents, 'window.held').filter((event) => event.data.holdId === hold.id).map((event) => event.key).sort()).toEqual([regional.windowId, global.windowId, crossingStart.windowId, recurring.windowId].sort()));

    // The gate: held now for the window and for IR (asked with NP, which is free and not named), free for DE and for the exempt window.
    const gate = await api('GET', `/v1/gate?windowId=${regional.windowId}`);
    expect(gate.status).toBe(423);
    expect(gate.headers.get('retry-after')).toBe(String((Date.parse('2026-06-15T03:00:00Z') - clock.nowMs()) / 1000));
    expect(gate.body.holds).toEqual([{ id: hold.id, regions: ['IR'], reason: hold.reason, source: 'detector', from: '2026-06-14T21:00:00.000Z', until: '2026-06-15T03:00:00.000Z' }]);
    const regions = await api('GET', '/v1/gate?regions=IR,NP');
    expect(regions.status).toBe(423);
    expect(regions.body.detail).toBe(`Region IR is held by hold ${hold.id} (IR: ${hold.reason}). Wait and retry, or ask for an override with a reason.`);
    expect(gate.body.detail).toBe(`Window ${regional.windowId} is held by hold ${hold.id} (IR: ${hold.reason}). Wait and retry, or ask for an override with a reason.`);
    expect((await api('GET', '/v1/gate?regions=DE')).body).toEqual({ allowed: true });
    expect((await api('GET', `/v1/gate?windowId=${exempt.windowId}`)).status).toBe(200);
    // A notify-only window runs through the hold: its 200 stays the contract's, and a header names the hold in force.
    const flagged = await api('GET', `/v1/gate?windowId=${notifyOnly.windowId}`);
    expect([flagged.status, flagged.body]).toEqual([200, { allowed: true }]);
    expect(flagged.headers.get('holdfast-notice')).toBe(`notify-only window: it runs while held by hold ${hold.id} (IR); its owners are told (GET /v1/holds/{id} says why)`);
    expect((await api('GET', `/v1/gate?windowId=${exempt.windowId}`)).headers.get('holdfast-notice')).toBeNull();
    // Before the hold's start, but a minute past: the gate answers for now or ahead only.
    expect((await api('GET', '/v1/gate?regions=IR&at=2026-06-14T20:59:00Z')).body).toMatchObject({ status: 422, code: 'gate-at-in-the-past' });
    expect((await api('GET', '/v1/gate?regions=XX')).body).toMatchObject({ code: 'unknown-region' });
    const start = await api('POST', `/v1/windows/${regional.windowId}/occurrences/1/start`);
    expect(start.status).toBe(423);

    // The explanation keeps what the surge carried, and the audit trail tells the story.
    const explanation = await api('GET', `/v1/windows/${regional.windowId}/explanation`);
    expect(explanation.body.holds[0]).toMatchObject({
      hold: { id: hold.id, source: 'detector' },
      cause: { kind: 'surge', causeId: surgeId, severity: 'major', evidence: { observed: 5_000, baseline: 1_000, score: 5 }, reason: 'requests in IR surged' },
    });
    expect(explanation.body.holds[0].cause.correlationId).toBeTruthy();
    const audit = await api('GET', `/v1/audit?subject=${regional.windowId}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(['scheduled', 'held']);

    // The same surge again, and its update, give no second hold; the update extends it.
    await publisher.publish(surge('surge.started', 'IR', surgeId, { expectedEndAt: '2026-06-15T03:00:00Z' }));
    await publisher.publish(surge('surge.updated', 'IR', surgeId, { expectedEndAt: '2026-06-15T06:00:00Z', severity: 'critical' }));
    await expectEventually(async () => expect(await holdFor(surgeId)).toEqual([expect.objectContaining({ until: '2026-06-15T06:00:00.000Z' })]));
    expect(await statusOf(after)).toBe('held');

    // Cleared: released only after the cool-down, on the frozen clock's time.
    clock.set('2026-06-15T05:00:00Z');
    await publisher.publish(cleared('IR', surgeId, '2026-06-15T05:00:00Z'));
    await expectEventually(async () => expect((await holdFor(surgeId))[0].releaseDueAt).toBe('2026-06-15T05:30:00.000Z'));
    clock.set('2026-06-15T05:29:00Z');
    await sweep.sweep();
    expect((await holdFor(surgeId))[0].active).toBe(true);
    clock.set('2026-06-15T05:31:00Z');
    await sweep.sweep();
    expect((await holdFor(surgeId))[0].active).toBe(false);
    expect((await api('GET', '/v1/gate?regions=IR')).status).toBe(200);
    // Still ahead in 2026? No: every held one's time passed during the hold, so each needs a new slot, with a proposal.
    const released = (await occurrences(regional.windowId))[0];
    expect(released.status).toBe('needs-reschedule');
    expect(released.proposedSlot.localTimes[0]).toMatchObject({ region: 'IR', zone: 'Asia/Tehran' });
    expect(Date.parse(released.proposedSlot.startsAt)).toBeGreaterThanOrEqual(clock.nowMs());
    expect(await statusOf(after)).toBe('needs-reschedule');
    const releasedEvent = await expectEventually(() => {
      const event = eventsOf(holdEvents, 'hold.released').find((candidate) => candidate.data.holdId === hold.id);
      expect(event?.data.windows.length).toBeGreaterThan(0);
      return event!;
    });
    // Its period as it was in force, from its start to the end of its cool-down (05:30Z, 09:00 in Tehran; the sweep released it a
    // minute later), and the notify-only window it flagged.
    expect(releasedEvent.data.releasedAt).toBe('2026-06-15T05:31:00.000Z');
    expect(releasedEvent.data.periodLocalTimes).toEqual([{ region: 'IR', zone: 'Asia/Tehran', fromLocal: '2026-06-15T00:30', untilLocal: '2026-06-15T09:00', offset: '+03:30', untilOffset: '+03:30' }]);
    expect(releasedEvent.data.notifyOnlyWindowIds).toEqual([notifyOnly.windowId]);
    expect(releasedEvent.data.windows.find((window: { windowId: string }) => window.windowId === regional.windowId)?.plannedZone).toBe('America/Los_Angeles');
  });

  it('ends right when a surge.cleared overtakes its surge.started', async () => {
    clock.set('2026-06-20T12:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['NP'] }, startsAt: '2026-06-21T10:00:00Z', endsAt: '2026-06-21T11:00:00Z' });
    const surgeId = uuidv7();
    await publisher.publish(cleared('NP', surgeId, '2026-06-20T11:00:00Z'), surge('surge.started', 'NP', surgeId, { startedAt: '2026-06-20T10:00:00Z', detectedAt: '2026-06-20T10:00:05Z' }));
    await expectEventually(async () => expect(await holdFor(surgeId)).toEqual([expect.objectContaining({ active: false })]));
    expect((await occurrences(window.windowId))[0].status).toBe('scheduled');
  });

  it("keeps a surge's hold past its expected end until the surge clears and the cool-down passes", async () => {
    clock.set('2026-06-25T10:00:00Z');
    const duringEstimate = await plan({ footprint: { global: false, regions: ['KH'] }, startsAt: '2026-06-25T11:00:00Z', endsAt: '2026-06-25T11:30:00Z' });
    const afterEstimate = await plan({ footprint: { global: false, regions: ['KH'] }, startsAt: '2026-06-25T13:00:00Z', endsAt: '2026-06-25T13:30:00Z' });
    const surgeId = uuidv7();
    await publisher.publish(surge('surge.started', 'KH', surgeId, { startedAt: '2026-06-25T09:55:00Z', detectedAt: '2026-06-25T10:00:00Z', expectedEndAt: '2026-06-25T12:00:00Z' }));
    await expectEventually(async () => expect((await occurrences(duringEstimate.windowId))[0].status).toBe('held'));
    expect((await occurrences(afterEstimate.windowId))[0].status).toBe('scheduled');
    // A window planned into it is not told to plan for after the estimate, which the surge may outlast.
    const intoEstimate = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'web', plannedZone: 'UTC', footprint: { global: false, regions: ['KH'] }, startsAt: '2026-06-25T11:30:00Z', endsAt: '2026-06-25T11:45:00Z' });
    expect(intoEstimate.status).toBe(409);
    expect(intoEstimate.body.detail).toContain(
      'Plan it for after the hold is released, as it has no end yet (its surge is expected to end about 2026-06-25T12:00:00.000Z), or for after 2026-06-25T12:00:00.000Z, beyond the runs it holds now, where it is held only if the hold still lasts when its time comes near (GET /v1/gate?regions=KH answers 200 once nothing holds KH)',
    );

    // The estimate passes and no surge.cleared has come: the surge goes on, and so does its hold, for the gate at once.
    clock.set('2026-06-25T12:01:00Z');
    const beforeSweep = await api('GET', '/v1/gate?regions=KH');
    expect(beforeSweep.status).toBe(423);
    // Its estimate has passed: nothing says when to ask again but the default.
    expect(beforeSweep.headers.get('retry-after')).toBe('300');
    // Nor does a window planned after the estimate slip through before the sweep: 409, the hold named open-ended.
    const late = { footprint: { global: false, regions: ['KH'] }, startsAt: '2026-06-25T14:00:00Z', endsAt: '2026-06-25T14:30:00Z' };
    const refused = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'web', plannedZone: 'UTC', ...late });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'window-in-hold', holds: [{ until: null }] });
    // Open-ended, it holds the runs starting within HOLD_HORIZON_HOURS (24) of now.
    expect(refused.body.detail).toContain(
      'Plan it for after the hold is released, as it has no end yet, or for after 2026-06-26T12:01:00.000Z, beyond the runs it holds now, where it is held only if the hold still lasts when its time comes near (GET /v1/gate?regions=KH answers 200 once nothing holds KH), or send override: {reason}.',
    );
    // Beside a hold with an end, the open one is counted as one of them.
    const manual = await api('POST', '/v1/holds', { regions: ['KH'], from: '2026-06-25T13:45:00Z', until: '2026-06-25T15:00:00Z', reason: 'festival' });
    expect(manual.status).toBe(201);
    const intoBoth = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'web', plannedZone: 'UTC', ...late });
    // The manual hold has not begun: the gate asked now does not show it, so the advice names its period and the gate asked at the window's time.
    expect(intoBoth.body.detail).toContain(
      `Plan it for after the holds are released, as 1 of them has no end yet, or for after 2026-06-26T12:01:00.000Z, beyond the runs they hold now, where it is held only if one of them still lasts when its time comes near (hold ${manual.body.id} holds KH from 2026-06-25T13:45:00.000Z to 2026-06-25T15:00:00.000Z; the gate answers for the instant asked, so GET /v1/gate?regions=KH shows it only once it begins: GET /v1/gate?regions=KH&at=2026-06-25T14:00:00.000Z, the window's first time in the holds, answers for then)`,
    );
    // Beyond what the open-ended hold holds now, a window is taken, as one planned before the surge was; the sweep holds it once the horizon reaches it.
    const beyond = await plan({ footprint: { global: false, regions: ['KH'] }, startsAt: '2026-06-27T14:00:00Z', endsAt: '2026-06-27T14:30:00Z' });
    expect(beyond.status).toBe('scheduled');
    expect((await api('POST', `/v1/holds/${manual.body.id}/release`, { reason: 'shown' })).status).toBe(200);
    const overridden = await plan({ ...late, override: { reason: 'cannot wait' } });
    expect((await api('GET', `/v1/gate?windowId=${overridden.windowId}`)).status).toBe(200);
    await sweep.sweep();
    const [outlasting] = await holdFor(surgeId);
    expect(outlasting).toMatchObject({ active: true, until: null });
    expect((await api('GET', '/v1/gate?regions=KH')).status).toBe(423);
    expect((await occurrences(afterEstimate.windowId))[0].status).toBe('held');
    // Held by the sweep's horizon step, and on the window's trail as held, as its release will be.
    expect((await api('GET', `/v1/audit?subject=${afterEstimate.windowId}`)).body.items).toContainEqual(expect.objectContaining({ action: 'held', actor: `hold:${outlasting.id}`, details: { holdId: outlasting.id, occurrences: [1], runs: [{ number: 1, startsAt: '2026-06-25T13:00:00.000Z' }], kind: 'held' } }));
    const trail = (await api('GET', `/v1/audit?subject=${outlasting.id}`)).body.items as { action: string; details: Record<string, unknown> }[];
    expect(trail.find((entry) => entry.action === 'extended')?.details).toEqual({
      until: null,
      moved: { until: { from: '2026-06-25T12:00:00.000Z', to: null } },
      why: 'the surge outlasted its expected end',
    });
    // The window planned beyond the hold's horizon: not held yet, and held by the sweep once the horizon reaches it while the surge goes on.
    expect((await occurrences(beyond.windowId))[0].status).toBe('scheduled');
    clock.set('2026-06-26T15:00:00Z');
    await sweep.sweep();
    expect((await occurrences(beyond.windowId))[0].status).toBe('held');
    clock.set('2026-06-25T12:01:00Z');

    await publisher.publish(cleared('KH', surgeId, '2026-06-25T12:01:00Z'));
    await expectEventually(async () => expect((await holdFor(surgeId))[0].releaseDueAt).toBe('2026-06-25T12:31:00.000Z'));
    clock.set('2026-06-25T12:30:00Z');
    await sweep.sweep();
    expect((await holdFor(surgeId))[0].active).toBe(true);
    clock.set('2026-06-25T12:32:00Z');
    await sweep.sweep();
    expect((await holdFor(surgeId))[0].active).toBe(false);
    expect((await api('GET', '/v1/gate?regions=KH')).status).toBe(200);
  });

  it("lets an override through a surge hold for runs past its expected end, and an extension does not hold them again", async () => {
    clock.set('2026-06-27T10:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['PY'] }, startsAt: '2026-06-27T11:00:00Z', endsAt: '2026-06-27T11:30:00Z' });
    const surgeId = uuidv7();
    await publisher.publish(surge('surge.started', 'PY', surgeId, { startedAt: '2026-06-27T09:55:00Z', detectedAt: '2026-06-27T10:00:00Z', expectedEndAt: '2026-06-27T10:30:00Z' }));
    await expectEventually(async () => expect(await holdFor(surgeId)).toHaveLength(1));
    // The run comes after the surge's estimated end: the on-call lets it through before the estimate moves.
    const overridden = await api('POST', `/v1/windows/${window.windowId}/override`, { reason: 'the fix must ship today' });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    await publisher.publish(surge('surge.updated', 'PY', surgeId, { startedAt: '2026-06-27T09:55:00Z', expectedEndAt: '2026-06-27T13:00:00Z' }));
    await expectEventually(async () => expect((await holdFor(surgeId))[0].until).toBe('2026-06-27T13:00:00.000Z'));
    expect((await occurrences(window.windowId))[0].status).toBe('scheduled');
    expect((await api('GET', `/v1/gate?windowId=${window.windowId}&at=2026-06-27T11:00:00Z`)).status).toBe(200);
  });

  it("names in an extension's hold.placed the notify-only windows it newly flagged, as windowIds the windows it newly held", async () => {
    clock.set('2027-09-14T10:00:00Z');
    const pe = { footprint: { global: false, regions: ['PE'] } };
    const early = await plan({ ...pe, title: 'inside the estimate', startsAt: '2027-09-14T11:00:00Z', endsAt: '2027-09-14T11:30:00Z' });
    const earlyNotice = await plan({ ...pe, title: 'flagged inside the estimate', surgePolicy: 'notify-only', startsAt: '2027-09-14T11:00:00Z', endsAt: '2027-09-14T11:30:00Z' });
    const later = await plan({ ...pe, title: 'past the estimate', startsAt: '2027-09-14T13:00:00Z', endsAt: '2027-09-14T13:30:00Z' });
    const laterNotice = await plan({ ...pe, title: 'flagged past the estimate', surgePolicy: 'notify-only', startsAt: '2027-09-14T13:30:00Z', endsAt: '2027-09-14T14:00:00Z' });
    const surgeId = uuidv7();
    const started = { startedAt: '2027-09-14T09:55:00Z', detectedAt: '2027-09-14T10:00:00Z' };
    await publisher.publish(surge('surge.started', 'PE', surgeId, { ...started, expectedEndAt: '2027-09-14T12:00:00Z' }));
    const [hold] = await expectEventually(async () => {
      const holds = await holdFor(surgeId);
      expect(holds).toHaveLength(1);
      return holds;
    });
    const placedFor = (until: string) =>
      expectEventually(() => {
        const event = eventsOf(holdEvents, 'hold.placed').find((candidate) => candidate.data.holdId === hold.id && candidate.data.until === until);
        expect(event).toBeDefined();
        return event!.data;
      });
    const placed = await placedFor('2027-09-14T12:00:00.000Z');
    expect([placed.windowIds, placed.notifyOnlyWindowIds]).toEqual([[early.windowId], [earlyNotice.windowId]]);

    // Moved past both later windows: the extension holds one and flags the other, and names only those.
    await publisher.publish(surge('surge.updated', 'PE', surgeId, { ...started, expectedEndAt: '2027-09-14T15:00:00Z' }));
    const reaching = await placedFor('2027-09-14T15:00:00.000Z');
    expect(reaching.extended).toBe(true);
    expect([reaching.windowIds, reaching.notifyOnlyWindowIds]).toEqual([[later.windowId], [laterNotice.windowId]]);

    // Moved again over no window: it newly holds and flags none.
    await publisher.publish(surge('surge.updated', 'PE', surgeId, { ...started, expectedEndAt: '2027-09-14T16:00:00Z' }));
    const reachingNone = await placedFor('2027-09-14T16:00:00.000Z');
    expect(reachingNone.extended).toBe(true);
    expect([reachingNone.windowIds, reachingNone.notifyOnlyWindowIds]).toEqual([[], []]);
  });

  it('records and announces an override once: the same one sent again, or twelve at once, answers as the first and adds nothing; a new reason is recorded', async () => {
    clock.set('2026-06-28T10:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['BO'] }, startsAt: '2026-06-28T11:00:00Z', endsAt: '2026-06-28T11:30:00Z' });
    const hold = await api('POST', '/v1/holds', { regions: ['BO'], from: '2026-06-28T10:00:00Z', until: '2026-06-28T18:00:00Z', reason: 'Elections in BO' });
    expect(hold.status).toBe(201);
    const override = () => api('POST', `/v1/windows/${window.windowId}/override`, { reason: 'the fix must ship today' });
    const first = await override();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.overridden).toEqual([hold.body.id]);
    const again = await Promise.all(Array.from({ length: 12 }, override));
    expect(again.map((answer) => [answer.status, answer.body.overridden])).toEqual(Array.from({ length: 12 }, () => [200, [hold.body.id]]));
    const reasons = async () =>
      ((await api('GET', `/v1/audit?subject=${window.windowId}`)).body.items as { action: string; details: { reason: string } }[]).filter((entry) => entry.action === 'overridden').map((entry) => entry.details.reason);
    expect(await reasons()).toEqual(['the fix must ship today']);
    expect((await api('POST', `/v1/windows/${window.windowId}/override`, { reason: 'and the vendor is on site' })).status).toBe(200);
    expect(await reasons()).toEqual(['the fix must ship today', 'and the vendor is on site']);
    await expectEventually(async () =>
      expect(eventsOf(holdEvents, 'hold.overridden').filter((event) => event.data.windowId === window.windowId).map((event) => event.data.reason)).toEqual(['the fix must ship today', 'and the vendor is on site']),
    );
  });

  it("holds a cleared surge's region until its release is due, for suggestions, planning, the fan-out and the gate alike, past an estimate that ends sooner", async () => {
    clock.set('2027-05-10T10:00:00Z');
    const started = { startedAt: '2027-05-10T09:55:00Z', detectedAt: '2027-05-10T10:00:00Z' };
    const bt = { footprint: { global: false, regions: ['BT'] } };
    const held = await plan({ ...bt, startsAt: '2027-05-10T10:05:00Z', endsAt: '2027-05-10T10:15:00Z', flexibility: { earliestStartAt: '2027-05-10T10:00:00Z', deadlineAt: '2027-05-10T12:00:00Z' } });
    // After the surge's estimate (10:30), inside the cool-down its clearance brings (to 10:55).
    const inCoolDown = await plan({ ...bt, startsAt: '2027-05-10T10:35:00Z', endsAt: '2027-05-10T10:45:00Z' });
    // In the Maldives a surge expected to last past its release's due time: its run after that time is held until the hold is released.
    const mv = { footprint: { global: false, regions: ['MV'] } };
    const afterRelease = await plan({ ...mv, startsAt: '2027-05-10T11:00:00Z', endsAt: '2027-05-10T11:10:00Z' });
    const btSurge = uuidv7();
    const mvSurge = uuidv7();
    await publisher.publish(
      surge('surge.started', 'BT', btSurge, { ...started, expectedEndAt: '2027-05-10T10:30:00Z' }),
      surge('surge.started', 'MV', mvSurge, { ...started, expectedEndAt: '2027-05-10T12:00:00Z' }),
    );
    await expectEventually(async () => expect((await occurrences(held.windowId))[0].status).toBe('held'));
    await expectEventually(async () => expect((await occurrences(afterRelease.windowId))[0].status).toBe('held'));
    expect((await occurrences(inCoolDown.windowId))[0].status).toBe('scheduled');

    clock.set('2027-05-10T10:25:00Z');
    await publisher.publish(cleared('BT', btSurge, '2027-05-10T10:25:00Z'), cleared('MV', mvSurge, '2027-05-10T10:25:00Z'));
    await expectEventually(async () => expect((await holdFor(btSurge))[0].releaseDueAt).toBe('2027-05-10T10:55:00.000Z'));
    await expectEventually(async () => expect((await holdFor(mvSurge))[0].releaseDueAt).toBe('2027-05-10T10:55:00.000Z'));
    // The cool-down holds the run the estimate did not reach, as the gate will at its start.
    expect((await occurrences(inCoolDown.windowId))[0].status).toBe('held');
    const [btHold] = await holdFor(btSurge);
    expect(eventsOf(windowEvents, 'window.held').map((event) => event.data)).toContainEqual(expect.objectContaining({ windowId: inCoolDown.windowId, holdId: btHold.id }));

    // No slot offered is one the gate refuses when its time comes: each starts once the release is due.
    const suggestions = await api('GET', `/v1/windows/${held.windowId}/suggestions`);
    expect(suggestions.status, JSON.stringify(suggestions.body)).toBe(200);
    expect(suggestions.body.slots.length).toBeGreaterThan(0);
    for (const slot of suggestions.body.slots) expect(Date.parse(slot.startsAt)).toBeGreaterThanOrEqual(Date.parse('2027-05-10T10:55:00Z'));
    for (const slot of suggestions.body.slots) expect((await api('GET', `/v1/gate?regions=BT&at=${slot.startsAt}`)).status).toBe(200);
    // Planning into the cool-down is refused, with the hold's end as the gate keeps it; from its end on it is planned, and not held.
    const refused = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'web', plannedZone: 'UTC', ...bt, startsAt: '2027-05-10T10:40:00Z', endsAt: '2027-05-10T10:50:00Z' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'window-in-hold', holds: [{ id: btHold.id, until: '2027-05-10T10:55:00.000Z' }] } });
    const atRelease = await plan({ ...bt, startsAt: '2027-05-10T10:55:00Z', endsAt: '2027-05-10T11:05:00Z' });
    expect(atRelease.status).toBe('scheduled');

    // The gate: held until the release is due, Retry-After saying when (from now, 10:25); let through from then, before the sweep releases it.
    const beforeDue = await api('GET', '/v1/gate?regions=BT&at=2027-05-10T10:54:00Z');
    expect(beforeDue.status).toBe(423);
    expect(beforeDue.headers.get('retry-after')).toBe(String(30 * 60));
    expect(beforeDue.body.holds).toEqual([expect.objectContaining({ id: btHold.id, until: '2027-05-10T10:30:00.000Z', releaseDueAt: '2027-05-10T10:55:00.000Z' })]);
    expect((await api('GET', `/v1/gate?windowId=${atRelease.windowId}&at=2027-05-10T10:55:00Z`)).status).toBe(200);
    clock.set('2027-05-10T10:55:00Z');
    expect((await api('GET', `/v1/gate?windowId=${atRelease.windowId}`)).status).toBe(200);
    // A run still linked to a hold whose release is due starts, as the gate says, the sweep not yet come.
    clock.set('2027-05-10T11:00:00Z');
    expect((await api('GET', `/v1/gate?windowId=${afterRelease.windowId}`)).status).toBe(200);
    const start = await api('POST', `/v1/windows/${afterRelease.windowId}/occurrences/1/start`);
    expect(start.status, JSON.stringify(start.body)).toBe(200);

    await sweep.sweep();
    expect((await holdFor(btSurge))[0].active).toBe(false);
    // Stopped by the hold in its cool-down: a new slot, not missed; the run planned at the release's due time was never stopped.
    expect((await occurrences(inCoolDown.windowId))[0]).toMatchObject({ status: 'needs-reschedule', proposedSlot: expect.any(Object) });
    expect((await occurrences(atRelease.windowId))[0].status).toBe('scheduled');
    expect((await occurrences(afterRelease.windowId))[0].status).toBe('in-progress');
  });

  it("settles a run after a cleared surge's due release the same whether the sweep releases the hold at once or long after", async () => {
    // The same story in two regions: a sweep comes a minute after the due release in Uruguay, only after the runs (11:15) in Ecuador.
    const seen: Record<string, unknown> = {};
    for (const region of ['UY', 'EC'] as const) {
      clock.set('2027-06-01T10:00:00Z');
      const runs = { footprint: { global: false, regions: [region] }, flexibility: { earliestStartAt: '2027-06-01T10:00:00Z', deadlineAt: '2027-06-03T10:00:00Z' } };
      // Begins in the cool-down: stopped by the hold. Begins after the release is due (10:40): never stopped by it.
      const stopped = await plan({ ...runs, startsAt: '2027-06-01T10:30:00Z', endsAt: '2027-06-01T10:50:00Z' });
      const after = await plan({ ...runs, startsAt: '2027-06-01T10:45:00Z', endsAt: '2027-06-01T10:55:00Z' });
      const surgeId = uuidv7();
      await publisher.publish(surge('surge.started', region, surgeId, { startedAt: '2027-06-01T09:55:00Z', detectedAt: '2027-06-01T10:00:00Z', expectedEndAt: '2027-06-01T12:00:00Z' }));
      await expectEventually(async () => expect((await occurrences(after.windowId))[0].status).toBe('held'));
      clock.set('2027-06-01T10:10:00Z');
      await publisher.publish(cleared(region, surgeId, '2027-06-01T10:10:00Z'));
      await expectEventually(async () => expect((await holdFor(surgeId))[0].releaseDueAt).toBe('2027-06-01T10:40:00.000Z'));
      const [hold] = await holdFor(surgeId);
      const read = async () => {
        const [{ status, heldBy, proposedSlot }] = await occurrences(after.windowId);
        return { run: { status, heldBy, proposedSlot }, window: (await api('GET', `/v1/windows/${after.windowId}`)).body.status };
      };
      const atClearance = await read();
      // The gate still stops an early start until the release is due.
      expect((await api('POST', `/v1/windows/${after.windowId}/occurrences/1/start`)).body).toMatchObject({ code: 'held', holds: [{ id: hold.id }] });

      if (region === 'UY') {
        clock.set('2027-06-01T10:41:00Z');
        await sweep.sweep();
        expect((await holdFor(surgeId))[0].active).toBe(false);
      }
      clock.set('2027-06-01T10:46:00Z');
      const atItsStart = await read();
      expect((await api('GET', `/v1/gate?windowId=${after.windowId}`)).status).toBe(200);
      clock.set('2027-06-01T11:15:00Z');
      await sweep.sweep();
      const [stoppedRun] = await occurrences(stopped.windowId);
      expect(stoppedRun).toMatchObject({ status: 'needs-reschedule', proposedSlot: expect.any(Object) });
      seen[region] = { atClearance, atItsStart, afterTheRuns: await read() };
    }
    expect(seen.EC).toEqual(seen.UY);
    // From the clearance on the hold does not hold the run after its due release; not started, the run was missed like any, not given a new slot.
    const free = { run: { status: 'scheduled', heldBy: [] }, window: 'scheduled' };
    expect(seen.UY).toMatchObject({ atClearance: free, atItsStart: free, afterTheRuns: { run: { status: 'missed', heldBy: [] } } });
  });

  it('lets an override through a surge hold that cleared past its expected end and is in its cool-down', async () => {
    clock.set('2026-06-26T10:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['LA'] }, startsAt: '2026-06-26T11:00:00Z', endsAt: '2026-06-26T11:30:00Z' });
    const surgeId = uuidv7();
    await publisher.publish(surge('surge.started', 'LA', surgeId, { startedAt: '2026-06-26T09:55:00Z', detectedAt: '2026-06-26T10:00:00Z', expectedEndAt: '2026-06-26T10:30:00Z' }));
    await expectEventually(async () => expect(await holdFor(surgeId)).toHaveLength(1));
    clock.set('2026-06-26T10:40:00Z');
    await publisher.publish(cleared('LA', surgeId, '2026-06-26T10:40:00Z'));
    await expectEventually(async () => expect((await holdFor(surgeId))[0].releaseDueAt).toBe('2026-06-26T11:10:00.000Z'));
    // In force until released, for the gate and so for an override too.
    expect((await api('GET', `/v1/gate?windowId=${window.windowId}`)).status).toBe(423);
    expect((await api('POST', `/v1/windows/${window.windowId}/override`, { reason: 'the fix cannot wait for the cool-down' })).status).toBe(200);
    expect((await api('GET', `/v1/gate?windowId=${window.windowId}`)).status).toBe(200);
  });

  it("starts a notify-only window's run through a hold, naming the hold in force in its Holdfast-Notice, as the gate does", async () => {
    clock.set('2027-03-01T10:00:00Z');
    const window = await plan({ title: 'notify-only start', surgePolicy: 'notify-only', footprint: { global: false, regions: ['MN'] }, startsAt: '2027-03-01T10:05:00Z', endsAt: '2027-03-01T11:00:00Z' });
    const hold = await api('POST', '/v1/holds', { regions: ['MN'], from: '2027-03-01T09:00:00Z', until: '2027-03-01T12:00:00Z', reason: 'Naadam rehearsal' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const started = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`);
    expect([started.status, started.body.status]).toEqual([200, 'in-progress']);
    expect(started.headers.get('holdfast-notice')).toBe(`notify-only window: it runs while held by hold ${hold.body.id} (MN); its owners are told (GET /v1/holds/{id} says why)`);
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'rehearsal over' })).status).toBe(200);
  });

  it("counts a surge's hold in the hold gauges within seconds of placing it, with the sweep off", async () => {
    clock.set('2026-11-02T00:00:00Z');
    const surgeId = uuidv7();
    await publisher.publish(surge('surge.started', 'MV', surgeId, { startedAt: '2026-11-02T00:00:00Z', detectedAt: '2026-11-02T00:00:00Z', expectedEndAt: '2026-11-03T00:00:00Z' }));
    await expectEventually(async () => expect(await holdFor(surgeId)).toHaveLength(1));
    await expectEventually(async () => expect(await (await service.fetch('/metrics')).text()).toMatch(/^holdfast_active_holds\{region="MV",source="detector",[^}]*\} 1$/m), { timeoutMs: 10_000 });
  });

  it('holds an occurrence under two holds until the last one ends, and two regions surging at once', async () => {
    clock.set('2026-07-10T00:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['IR', 'NP'] }, startsAt: '2026-07-12T10:00:00Z', endsAt: '2026-07-12T11:00:00Z' });
    const ir = uuidv7();
    const np = uuidv7();
    await publisher.publish(
      surge('surge.started', 'IR', ir, { startedAt: '2026-07-10T00:00:00Z', detectedAt: '2026-07-10T00:00:00Z', expectedEndAt: '2026-07-13T00:00:00Z' }),
      surge('surge.started', 'NP', np, { startedAt: '2026-07-10T00:00:00Z', detectedAt: '2026-07-10T00:00:00Z', expectedEndAt: '2026-07-13T00:00:00Z' }),
    );
    // The status and heldBy are two statements: the second hold may commit between them.
    await expectEventually(async () => {
      const items = (await occurrences(window.windowId))[0];
      expect(items.heldBy).toHaveLength(2);
      expect(items.status).toBe('held');
    });
    const [irHold] = await holdFor(ir);
    const [npHold] = await holdFor(np);
    expect((await api('POST', `/v1/holds/${irHold.id}/release`, { reason: 'IR calm again' })).status).toBe(200);
    expect((await occurrences(window.windowId))[0]).toMatchObject({ status: 'held', heldBy: [npHold.id] });
    await api('POST', `/v1/holds/${npHold.id}/release`, { reason: 'NP calm again' });
    expect((await occurrences(window.windowId))[0]).toMatchObject({ status: 'scheduled', heldBy: [] });
    // window.released says which hold let go of the window, and how the window is now: still held by the other one, then free.
    const released = () =>
      eventsOf(windowEvents, 'window.released').filter((event) => event.key === window.windowId).map((event) => ({ holdId: event.data.holdId, status: event.data.status, holdReason: event.data.holdReason }));
    await expectEventually(() =>
      expect(released()).toEqual([
        { holdId: irHold.id, status: 'held', holdReason: 'IR calm again' },
        { holdId: npHold.id, status: 'scheduled', holdReason: 'NP calm again' },
      ]),
    );
  });

  it('refuses planning into a manual hold naming it, lets an override through, and releases to scheduled or auto-moves', async () => {
    clock.set('2026-09-01T00:00:00Z');
    // A period already over would be announced as held, then released at the next sweep.
    expect(await api('POST', '/v1/holds', { regions: ['NP'], from: '2026-08-01T00:00:00Z', until: '2026-08-03T00:00:00Z', reason: 'Last month' })).toMatchObject({
      status: 422,
      body: { code: 'hold-in-the-past', errors: [{ path: 'until', message: 'must be in the future' }] },
    });
    // 2126 typed for 2026: a century of holds on every window of the region.
    expect(await api('POST', '/v1/holds', { regions: ['NP'], from: '2026-09-01T00:00:00Z', until: '2126-09-03T00:00:00Z', reason: 'Election in NP' })).toMatchObject({
      status: 422,
      body: {
        code: 'hold-too-long',
        detail: expect.stringContaining('This hold lasts 36,526 days (2026-09-01T00:00:00Z to 2126-09-03T00:00:00Z), longer than the 90 days a manual hold with an end may last (MANUAL_HOLD_MAX_DAYS)'),
        errors: [{ path: 'until', message: 'more than 90 days after from' }],
      },
    });
    const manual = await api('POST', '/v1/holds', { regions: ['NP'], from: '2026-09-01T00:00:00Z', until: '2026-09-03T00:00:00Z', reason: 'Election in NP' });
    expect(manual.status).toBe(201);
    const into = { footprint: { global: false, regions: ['NP'] }, startsAt: '2026-09-02T10:00:00Z', endsAt: '2026-09-02T11:00:00Z' };
    const refused = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'web', plannedZone: 'UTC', ...into });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'window-in-hold', holds: [{ id: manual.body.id }] });
    // A window being planned has no id yet: the 409 points to the hold's end and the gate, not to suggestions.
    expect(refused.body.detail).toBe(
      `The window falls into active hold ${manual.body.id} (NP: Election in NP). Plan it for after 2026-09-03T00:00:00.000Z, when the hold ends (GET /v1/gate?regions=NP answers 200 once nothing holds NP), or send override: {reason}.`,
    );
    const overridden = await plan({ ...into, override: { reason: 'security patch cannot wait' } });
    expect(overridden.status).toBe('scheduled');
    // Its answer names the hold it went through, as POST .../override does.
    expect(overridden.overridden).toEqual([manual.body.id]);
    expect((await api('GET', `/v1/gate?windowId=${overridden.windowId}`)).status).toBe(200);
    await expectEventually(() => expect(eventsOf(holdEvents, 'hold.overridden').find((event) => event.data.windowId === overridden.windowId)?.data).toMatchObject({ holdId: manual.body.id, reason: 'security patch cannot wait' }));
    // The hold itself says who let which run through, and why (DESIGN.md section 5).
    expect((await api('GET', `/v1/holds/${manual.body.id}`)).body).toMatchObject({
      overrideCount: 1,
      overrides: [{ windowId: overridden.windowId, occurrence: 1, overriddenBy: expect.stringMatching(/\S/), reason: 'security patch cannot wait', overriddenAt: expect.stringMatching(/^2026-/) }],
    });
    // Its release tells nothing to the window it never held (planned into it with the override).
    expect((await api('POST', `/v1/holds/${manual.body.id}/release`, { reason: 'election over' })).status).toBe(200);
    const marker = await plan({ footprint: { global: false, regions: ['NP'] }, startsAt: '2026-09-20T10:00:00Z', endsAt: '2026-09-20T11:00:00Z' });
    await expectEventually(() => expect(eventsOf(windowEvents, 'window.scheduled').some((event) => event.key === marker.windowId)).toBe(true));
    expect(eventsOf(holdEvents, 'hold.released').some((event) => event.data.holdId === manual.body.id)).toBe(true);
    expect(windowEvents.messages.filter((message) => message.key === overridden.windowId).map((message) => message.headers.ce_type)).toEqual(['window.scheduled']);

    const later = await plan({ footprint: { global: false, regions: ['NP'] }, startsAt: '2026-09-05T10:00:00Z', endsAt: '2026-09-05T11:00:00Z' });
    const autoMove = await plan({
      footprint: { global: false, regions: ['NP'] },
      startsAt: '2026-09-05T12:00:00Z',
      endsAt: '2026-09-05T13:00:00Z',
      flexibility: { earliestStartAt: '2026-09-05T00:00:00Z', deadlineAt: '2026-09-12T00:00:00Z', autoMove: true, allowedLocalHours: { ranges: [{ from: '01:00', to: '05:00' }] } },
    });
    const extend = await api('POST', '/v1/holds', { regions: ['NP'], from: '2026-09-04T00:00:00Z', until: '2026-09-06T00:00:00Z', reason: 'Counting in NP' });
    expect((await occurrences(later.windowId))[0].status).toBe('held');
    expect((await occurrences(autoMove.windowId))[0].status).toBe('held');
    clock.set('2026-09-05T12:30:00Z');
    await api('POST', `/v1/holds/${extend.body.id}/release`, { reason: 'counted' });
    const moved = (await occurrences(autoMove.windowId))[0];
    expect(moved.status).toBe('scheduled');
    expect(moved.localTimes[0].startsAtLocal.slice(11)).toMatch(/^0[1-3]:/);
    expect((await occurrences(later.windowId))[0].status).toBe('needs-reschedule');
    await expectEventually(() => expect(eventsOf(windowEvents, 'window.rescheduled').find((event) => event.key === autoMove.windowId)?.data).toMatchObject({ automatic: true }));
    const audit = await api('GET', `/v1/audit?subject=${extend.body.id}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(['placed', 'released']);
    // The planner's own transitions of the runs are on the trail too: the slot it proposed, the move from and to.
    const runTrail = async (windowId: string) => ((await api('GET', `/v1/audit?subject=${windowId}`)).body.items as Record<string, any>[]).filter((entry) => entry.subjectType === 'occurrence');
    const [waiting] = await occurrences(later.windowId);
    expect(await runTrail(later.windowId)).toEqual([
      expect.objectContaining({ action: 'needs-reschedule', actor: 'planner', details: { number: 1, holdId: extend.body.id, proposedSlot: waiting.proposedSlot } }),
    ]);
    const [move] = await runTrail(autoMove.windowId);
    expect(move).toMatchObject({
      action: 'rescheduled',
      actor: 'planner',
      details: { number: 1, holdId: extend.body.id, automatic: true, previous: { startsAt: '2026-09-05T12:00:00.000Z', endsAt: '2026-09-05T13:00:00.000Z' } },
    });
    expect([Date.parse(move.details.startsAt), Date.parse(move.details.endsAt)]).toEqual([Date.parse(moved.startsAt), Date.parse(moved.endsAt)]);
    // The window's released entry names the run as the hold held it, not where the move took it, and the move follows it.
    const letGo = ((await api('GET', `/v1/audit?subject=${autoMove.windowId}`)).body.items as Record<string, any>[]).filter((entry) => ['released', 'rescheduled'].includes(entry.action));
    expect(letGo.find((entry) => entry.action === 'released')?.details).toMatchObject({ holdId: extend.body.id, occurrences: [1], runs: [{ number: 1, startsAt: '2026-09-05T12:00:00.000Z' }] });
    expect(letGo.map((entry) => entry.action)).toEqual(['released', 'rescheduled']);
  });

  it("refuses a window planned into a manual hold that has not begun with advice that holds before it begins: when it begins and ends, and the gate asked at the window's time", async () => {
    clock.set('2026-10-01T08:00:00Z');
    const coronation = await api('POST', '/v1/holds', { regions: ['GB'], from: '2026-10-01T10:00:00Z', until: '2026-10-01T12:00:00Z', reason: 'Coronation' });
    expect(coronation.status).toBe(201);
    const refused = await api('POST', '/v1/windows', { title: 't', ownerTeam: 'web', plannedZone: 'Europe/London', footprint: { global: false, regions: ['GB'] }, startsAt: '2026-10-01T10:30:00Z', endsAt: '2026-10-01T11:00:00Z' });
    expect(refused).toMatchObject({ status: 409, body: { code: 'window-in-hold', holds: [{ id: coronation.body.id }] } });
    const id = coronation.body.id as string;
    expect(refused.body.detail).toBe(
      `The window falls into active hold ${id} (GB: Coronation). Plan it for after 2026-10-01T12:00:00.000Z, when the hold ends (hold ${id} holds GB from 2026-10-01T10:00:00.000Z to 2026-10-01T12:00:00.000Z; the gate answers for the instant asked, so GET /v1/gate?regions=GB shows it only once it begins: GET /v1/gate?regions=GB&at=2026-10-01T10:30:00.000Z, the window's first time in it, answers for then), or send override: {reason}.`,
    );
    // What the advice says of the gate is so: 200 now, before the hold begins; 423 asked at the window's time.
    expect((await api('GET', '/v1/gate?regions=GB')).status).toBe(200);
    expect((await api('GET', '/v1/gate?regions=GB&at=2026-10-01T10:30:00.000Z')).status).toBe(423);
  });

  it("traces a hold's events to their cause: a surge's hold, its window events and its release after the clearance continue the surge's chain; a manual hold starts a chain its events join", async () => {
    // A hold's events, or with `windowId` that window's events about the hold.
    const chainOf = (recorder: TopicRecorder, type: string, holdId: string, windowId?: string) =>
      expectEventually(() => {
        const traced = recorder.messages
          .filter((message) => message.headers.ce_type === type && JSON.parse(message.value).holdId === holdId && (windowId === undefined || message.key === windowId))
          .map((message) => ({ id: message.headers.ce_id, correlation: message.headers.ce_correlationid, causation: message.headers.ce_causationid }));
        expect(traced).toHaveLength(1);
        return traced[0];
      });

    clock.set('2027-08-01T10:00:00Z');
    const surged = await plan({ footprint: { global: false, regions: ['UZ'] }, startsAt: '2027-08-01T14:00:00Z', endsAt: '2027-08-01T15:00:00Z' });
    const surgeId = uuidv7();
    const started = surge('surge.started', 'UZ', surgeId, { startedAt: '2027-08-01T09:55:00Z', detectedAt: '2027-08-01T10:00:00Z', expectedEndAt: '2027-08-01T18:00:00Z' });
    await publisher.publish(started);
    await expectEventually(async () => expect(await holdFor(surgeId)).toHaveLength(1));
    const [surgeHold] = await holdFor(surgeId);
    clock.set('2027-08-01T10:10:00Z');
    const clearance = cleared('UZ', surgeId, '2027-08-01T10:10:00Z');
    await publisher.publish(clearance);
    await expectEventually(async () => expect((await holdFor(surgeId))[0].releaseDueAt).toBe('2027-08-01T10:40:00.000Z'));
    // Released by the sweep once the cool-down passed: no event in hand, the hold's chain kept.
    clock.set('2027-08-01T10:41:00Z');
    await sweep.sweep();
    const placed = await chainOf(holdEvents, 'hold.placed', surgeHold.id);
    expect(placed).toMatchObject({ correlation: started.correlationid, causation: started.id });
    expect(await chainOf(windowEvents, 'window.held', surgeHold.id, surged.windowId)).toMatchObject({ correlation: started.correlationid, causation: placed.id });
    const released = await chainOf(holdEvents, 'hold.released', surgeHold.id);
    expect(released).toMatchObject({ correlation: started.correlationid, causation: clearance.id });
    expect(await chainOf(windowEvents, 'window.released', surgeHold.id, surged.windowId)).toMatchObject({ correlation: started.correlationid, causation: released.id });
    // The release's reason as a person reads it, on the hold's event and the window's.
    const sweptReason = 'The surge cleared at 10:10 UTC on Sun 1 Aug 2027 (back to normal) and the cool-down passed';
    expect(eventsOf(holdEvents, 'hold.released').find((event) => event.data.holdId === surgeHold.id)?.data.reason).toBe(sweptReason);
    expect(eventsOf(windowEvents, 'window.released').find((event) => event.data.holdId === surgeHold.id)?.data.holdReason).toBe(sweptReason);

    const window = await plan({ footprint: { global: false, regions: ['KG'] }, startsAt: '2027-08-02T14:00:00Z', endsAt: '2027-08-02T15:00:00Z' });
    const manual = await api('POST', '/v1/holds', { regions: ['KG'], from: '2027-08-02T00:00:00Z', until: '2027-08-03T00:00:00Z', reason: 'Election in KG' });
    expect(manual.status).toBe(201);
    expect((await api('POST', `/v1/holds/${manual.body.id}/release`, { reason: 'election called off' })).status).toBe(200);
    const manualPlaced = await chainOf(holdEvents, 'hold.placed', manual.body.id);
    expect(manualPlaced).toEqual({ id: manualPlaced.id, correlation: manualPlaced.id, causation: undefined });
    expect(await chainOf(windowEvents, 'window.held', manual.body.id, window.windowId)).toMatchObject({ correlation: manualPlaced.id, causation: manualPlaced.id });
    const manualReleased = await chainOf(holdEvents, 'hold.released', manual.body.id);
    expect(manualReleased).toMatchObject({ correlation: manualPlaced.id, causation: manualPlaced.id });
    expect(await chainOf(windowEvents, 'window.released', manual.body.id, window.windowId)).toMatchObject({ correlation: manualPlaced.id, causation: manualReleased.id });
    expect((await api('GET', `/v1/windows/${window.windowId}/explanation`)).body.holds[0].cause).toMatchObject({ kind: 'manual request', correlationId: manualPlaced.id });
  });

  it('extends occurrences over the horizon with the sweep, and holds a recurring window across the autumn DST change at 02:00 local', async () => {
    clock.set('2026-09-01T00:00:00Z');
    const recurring = await plan({ title: 'nightly', plannedZone: 'Europe/Berlin', startsAt: '2026-09-01T00:00:00Z', endsAt: '2026-09-01T00:30:00Z', recurrence: 'FREQ=DAILY' });
    expect((await occurrences(recurring.windowId)).at(-1)?.startsAt).toBe('2026-11-29T01:00:00.000Z');
    clock.set('2026-10-01T00:00:00Z');
    expect((await sweep.sweep()).extendedWindows).toBeGreaterThanOrEqual(1);
    expect((await occurrences(recurring.windowId)).at(-1)?.startsAt).toBe('2026-12-29T01:00:00.000Z');
    const hold = await api('POST', '/v1/holds', { regions: ['IR'], from: '2026-10-24T00:00:00Z', until: '2026-10-27T00:00:00Z', reason: 'Holiday traffic in IR' });
    const held = (await occurrences(recurring.windowId)).filter((occurrence) => occurrence.status === 'held');
    // 02:00 Berlin is 00:00Z in summer time (the first 02:00 of the 25th, by the overlap rule), 01:00Z after.
    expect(held.map((occurrence) => occurrence.startsAt)).toEqual(['2026-10-24T00:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-26T01:00:00.000Z']);
    expect(held.every((occurrence) => occurrence.heldBy[0] === hold.body.id)).toBe(true);
    clock.set('2026-11-29T12:00:00Z');
    expect((await sweep.sweep()).missed).toBeGreaterThan(0);
    const past = (await occurrences(recurring.windowId)).filter((occurrence) => Date.parse(occurrence.endsAt) < clock.nowMs());
    expect(new Set(past.map((occurrence) => occurrence.status))).toEqual(new Set(['missed', 'needs-reschedule']));
  });

  it("keeps suggested slots within the allowed hours in every zone a custom region is configured with", async () => {
    clock.set('2026-06-20T00:00:00Z');
    const window = await plan({
      footprint: { global: false, regions: ['atlantic'] },
      startsAt: '2026-06-22T12:00:00Z',
      endsAt: '2026-06-22T13:00:00Z',
      plannedZone: 'Europe/London',
      // 00:00-08:00 in London and in New York at once: 04:00-07:00 UTC in June.
      flexibility: { earliestStartAt: '2026-06-21T00:00:00Z', deadlineAt: '2026-06-24T00:00:00Z', allowedLocalHours: { ranges: [{ from: '00:00', to: '08:00' }] } },
    });
    const { slots } = (await api('GET', `/v1/windows/${window.windowId}/suggestions`)).body as { slots: { localTimes: { region: string; zone: string; startsAtLocal: string; endsAtLocal: string }[] }[] };
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) {
      const local = slot.localTimes.filter((time) => time.region === 'atlantic');
      expect(local.map((time) => time.zone).sort()).toEqual(['America/New_York', 'Europe/London']);
      for (const time of local) {
        expect(time.startsAtLocal.slice(11, 16) >= '00:00' && time.endsAtLocal.slice(11, 16) <= '08:00', `${time.zone} ${time.startsAtLocal}-${time.endsAtLocal}`).toBe(true);
        expect(time.startsAtLocal.slice(0, 10)).toBe(time.endsAtLocal.slice(0, 10));
      }
    }
  });

  it('suggests Tehran night for a window hurting IR from its own copy of the baseline, and says when a region falls back to local night', async () => {
    clock.set('2026-06-20T00:00:00Z');
    // Tehran's baseline: quiet 02:00-05:00 local, busy otherwise.
    const values = Array.from({ length: 168 }, (_, hour) => (hour % 24 >= 2 && hour % 24 < 5 ? 100 : 5_000));
    await publisher.publish(createEvent('region.baseline', { region: 'IR', metric: 'requests', zone: 'Asia/Tehran', values, sampleCount: 10_000, updatedAt: '2026-06-19T00:00:00Z' }, { source: 'planner-spec', subject: 'IR/requests' }));
    const window = await plan({
      footprint: { global: false, regions: ['IR', 'NP'], shares: { IR: 0.9 } },
      startsAt: '2026-06-22T12:00:00Z',
      endsAt: '2026-06-22T13:00:00Z',
      flexibility: { earliestStartAt: '2026-06-21T00:00:00Z', deadlineAt: '2026-06-24T00:00:00Z' },
    });
    const suggestions = await expectEventually(async () => {
      const answer = await api('GET', `/v1/windows/${window.windowId}/suggestions`);
      expect(answer.body.fallbackRegions).toEqual(['NP']);
      return answer.body;
    });
    expect(suggestions.slots).toHaveLength(3);
    for (const slot of suggestions.slots) {
      const tehran = slot.localTimes.find((local: { region: string }) => local.region === 'IR');
      expect(tehran).toMatchObject({ zone: 'Asia/Tehran', offset: '+03:30' });
      expect(Number(tehran.startsAtLocal.slice(11, 13))).toBeGreaterThanOrEqual(2);
      expect(Number(tehran.endsAtLocal.slice(11, 13)) * 60 + Number(tehran.endsAtLocal.slice(14))).toBeLessThanOrEqual(5 * 60);
      expect(slot.expectedImpact).toBeLessThan(suggestions.current.expectedImpact);
    }
    expect(suggestions.notes.join(' ')).toContain('NP: no learned baseline yet');
    expect((await api('GET', `/v1/windows/${window.windowId}/suggestions?count=5`)).body.slots).toHaveLength(5);
    const tooMany = await api('GET', `/v1/windows/${window.windowId}/suggestions?count=many`);
    expect(tooMany).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'count', message: 'must be a number' }] } });
    // A mistyped parameter is refused, not answered with the default three.
    expect(await api('GET', `/v1/windows/${window.windowId}/suggestions?cuont=5`)).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'cuont' }] } });
    const oddStatus = await api('GET', `/v1/windows/${window.windowId}/occurrences?status=pending`);
    expect(oddStatus).toMatchObject({ status: 400, body: { code: 'invalid-query', errors: [{ path: 'status' }] } });
    expect((await api('GET', `/v1/windows/${window.windowId}/occurrences?status=scheduled`)).body.items).toHaveLength(1);
  });

  it("names the hold on the window's trail when a person releases it, so a run under two holds says which let go", async () => {
    const window = await plan({ footprint: { global: false, regions: ['SR'] }, startsAt: '2026-11-02T10:00:00Z', endsAt: '2026-11-02T11:00:00Z' });
    const first = await api('POST', '/v1/holds', { regions: ['SR'], from: '2026-11-01T00:00:00Z', until: '2026-11-03T00:00:00Z', reason: 'Election in SR' });
    const second = await api('POST', '/v1/holds', { regions: ['SR'], from: '2026-11-02T00:00:00Z', until: '2026-11-04T00:00:00Z', reason: 'Counting in SR' });
    expect((await api('POST', `/v1/holds/${second.body.id}/release`, { reason: 'counted early' })).status).toBe(200);
    const trail = (await api('GET', `/v1/audit?subject=${window.windowId}`)).body.items as { action: string; actor: string; details: Record<string, unknown> }[];
    expect(trail.filter((entry) => entry.action !== 'created').map(({ action, details }) => [action, details.holdId])).toEqual(
      expect.arrayContaining([
        ['held', first.body.id],
        ['held', second.body.id],
        ['released', second.body.id],
      ]),
    );
    // With the reason the person gave, as the hold's own entry has it: the trail says why each transition happened.
    expect(trail.find((entry) => entry.action === 'released')).toMatchObject({
      actor: expect.not.stringMatching(/^hold:/),
      reason: 'counted early',
      details: { reason: 'counted early', holdId: second.body.id, occurrences: [1], runs: [{ number: 1, startsAt: '2026-11-02T10:00:00.000Z' }], kind: 'held' },
    });
  });
});
