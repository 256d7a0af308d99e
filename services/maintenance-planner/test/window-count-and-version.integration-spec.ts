/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
/* A series limited by COUNT moved, a body version beside If-Match, and allowed hours that never meet, through the planner's API on the real broker and PostgreSQL. */
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-11-30T00:00:00Z');

describe('window changes the planner checks', () => {
  let service: ServiceUnderTest;
  let sweep: PlannerSweep;
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as any };
  };
  const plan = async (change: Record<string, unknown>) => {
    const answer = await api('POST', '/v1/windows', { title: 'Repro', ownerTeam: 'repro', footprint: { global: false, regions: ['CL'] }, plannedZone: 'America/Santiago', ...change });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };
  const runs = async (id: string) => ((await api('GET', `/v1/windows/${id}/occurrences`)).body.items as any[]).filter((run) => run.status !== 'cancelled');
  const advisedIn = (answer: { body: any }) => /COUNT=(\d+) keeps/.exec(answer.body?.errors?.[0]?.message ?? '')?.[1];
  const doneTwice = async (ids: string[], days: string[], month: string) => {
    for (const [index, day] of days.entries()) {
      for (const id of ids) {
        clock.set(`${month}-${day}T10:00:00Z`);
        expect((await api('POST', `/v1/windows/${id}/occurrences/${index + 1}/start`)).status).toBe(200);
        clock.set(`${month}-${day}T10:30:00Z`);
        expect((await api('POST', `/v1/windows/${id}/occurrences/${index + 1}/complete`)).status).toBe(200);
      }
    }
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    sweep = service.app.get(PlannerSweep);
  });
  afterAll(async () => service?.close());

  it('1A: a daily COUNT=20 in Santiago, 7 runs missed, moved an hour later keeps its 20 runs and is not refused', async () => {
    clock.set('2026-11-30T00:00:00Z');
    const daily = await plan({ startsAt: '2026-12-01T03:30:00Z', endsAt: '2026-12-01T04:00:00Z', recurrence: 'FREQ=DAILY;COUNT=20' });
    clock.set('2026-12-07T12:00:00Z');
    await sweep.sweep();
    expect((await runs(daily.windowId)).filter((run) => run.status === 'missed')).toHaveLength(7);
    const moved = await api('PATCH', `/v1/windows/${daily.windowId}`, { startsAt: '2026-12-01T04:30:00Z', endsAt: '2026-12-01T05:00:00Z' }, { 'if-match': '"1"' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    clock.set('2027-01-15T00:00:00Z');
    await sweep.sweep();
    expect(await runs(daily.windowId)).toHaveLength(20);
  });

  it('1B: a weekly COUNT=4 with 2 runs done, moved a week later, is advised the COUNT that keeps 4 runs', async () => {
    clock.set('2027-02-01T00:00:00Z');
    const weekly = { footprint: { global: false, regions: ['GB'] }, plannedZone: 'UTC', startsAt: '2027-02-02T10:00:00Z', endsAt: '2027-02-02T11:00:00Z', recurrence: 'FREQ=WEEKLY;COUNT=4' };
    const [refusedOne, twin] = [await plan(weekly), await plan(weekly)];
    await doneTwice([refusedOne.windowId, twin.windowId], ['02', '09'], '2027-02');
    const move = { startsAt: '2027-02-09T10:00:00Z', endsAt: '2027-02-09T11:00:00Z' };
    const refused = await api('PATCH', `/v1/windows/${refusedOne.windowId}`, move, { 'if-match': '"1"' });
    expect(refused).toMatchObject({ status: 422, body: { code: 'recurrence-count-restarts' } });
    expect(refused.body.detail).toContain('3 more times after the 2 runs so far, 5 in all. To keep it at 4 runs, send "recurrence": "FREQ=WEEKLY;COUNT=3"');
    const applied = await api('PATCH', `/v1/windows/${twin.windowId}`, { ...move, recurrence: `FREQ=WEEKLY;COUNT=${advisedIn(refused)}` }, { 'if-match': '"1"' });
    expect(applied.status).toBe(200);
    expect((await runs(twin.windowId)).map((run) => `${run.startsAt.slice(0, 10)} ${run.status}`)).toEqual(['2027-02-02 completed', '2027-02-09 completed', '2027-02-16 scheduled', '2027-02-23 scheduled']);
  });

  it('1C: an exdated date counts in COUNT before and after the move', async () => {
    clock.set('2027-04-01T00:00:00Z');
    const weekly = { footprint: { global: false, regions: ['GB'] }, plannedZone: 'UTC', startsAt: '2027-04-06T10:00:00Z', endsAt: '2027-04-06T11:00:00Z', recurrence: 'FREQ=WEEKLY;COUNT=6', exdates: ['2027-04-27T10:00:00Z'] };
    const [refusedOne, twin] = [await plan(weekly), await plan(weekly)];
    await doneTwice([refusedOne.windowId, twin.windowId], ['06', '13'], '2027-04');
    const before = (await runs(twin.windowId)).map((run) => run.startsAt.slice(0, 10));
    const move = { startsAt: '2027-04-13T10:00:00Z', endsAt: '2027-04-13T11:00:00Z' };
    const refused = await api('PATCH', `/v1/windows/${refusedOne.windowId}`, move, { 'if-match': '"1"' });
    expect(refused).toMatchObject({ status: 422, body: { code: 'recurrence-count-restarts' } });
    expect(advisedIn(refused)).toBe('5');
    expect((await api('PATCH', `/v1/windows/${twin.windowId}`, { ...move, recurrence: `FREQ=WEEKLY;COUNT=${advisedIn(refused)}` }, { 'if-match': '"1"' })).status).toBe(200);
    expect((await runs(twin.windowId)).map((run) => run.startsAt.slice(0, 10))).toEqual(before);
  });

  it('1D: a weekly COUNT=4 with no run yet, moved a week into the past, is advised the COUNT that keeps its 4 runs', async () => {
    clock.set('2026-12-06T12:00:00Z');
    const weekly = { footprint: { global: false, regions: ['GB'] }, plannedZone: 'UTC', startsAt: '2026-12-07T09:00:00Z', endsAt: '2026-12-07T09:30:00Z', recurrence: 'FREQ=WEEKLY;COUNT=4' };
    const [refusedOne, twin] = [await plan(weekly), await plan(weekly)];
    const planned = ['2026-12-07', '2026-12-14', '2026-12-21', '2026-12-28'];
    expect((await runs(refusedOne.windowId)).map((run) => run.startsAt.slice(0, 10))).toEqual(planned);
    // The first date of the moved rule, 30 November, is over by now: COUNT counts it, the replan does not store it.
    const move = { version: 1, startsAt: '2026-11-30T09:00:00.000Z', endsAt: '2026-11-30T09:30:00.000Z' };
    const refused = await api('PATCH', `/v1/windows/${refusedOne.windowId}`, move);
    expect(refused).toMatchObject({ status: 422, body: { code: 'recurrence-count-restarts' } });
    expect(refused.body.detail).toContain('it would run 3 times, not 4');
    expect(advisedIn(refused)).toBe('5');
    expect((await api('GET', `/v1/windows/${refusedOne.windowId}`)).body.version).toBe(1);
    expect((await runs(refusedOne.windowId)).map((run) => run.startsAt.slice(0, 10))).toEqual(planned);
    const applied = await api('PATCH', `/v1/windows/${twin.windowId}`, { ...move, recurrence: `FREQ=WEEKLY;COUNT=${advisedIn(refused)}` });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    clock.set('2027-01-15T00:00:00Z');
    await sweep.sweep();
    expect((await runs(twin.windowId)).map((run) => run.startsAt.slice(0, 10))).toEqual(planned);
  });

  it('1E: a weekly COUNT=4 with no run yet, moved earlier within the future or later, keeps its 4 runs and is not refused', async () => {
    clock.set('2026-12-06T12:00:00Z');
    const weekly = { footprint: { global: false, regions: ['GB'] }, plannedZone: 'UTC', startsAt: '2026-12-07T09:00:00Z', endsAt: '2026-12-07T09:30:00Z', recurrence: 'FREQ=WEEKLY;COUNT=4' };
    const [earlier, later] = [await plan(weekly), await plan(weekly)];
    const movedEarlier = await api('PATCH', `/v1/windows/${earlier.windowId}`, { version: 1, startsAt: '2026-12-06T13:00:00.000Z', endsAt: '2026-12-06T13:30:00.000Z' });
    expect(movedEarlier.status, JSON.stringify(movedEarlier.body)).toBe(200);
    const movedLater = await api('PATCH', `/v1/windows/${later.windowId}`, { version: 1, startsAt: '2026-12-14T09:00:00.000Z', endsAt: '2026-12-14T09:30:00.000Z' });
    expect(movedLater.status, JSON.stringify(movedLater.body)).toBe(200);
    clock.set('2027-02-15T00:00:00Z');
    await sweep.sweep();
    expect((await runs(earlier.windowId)).map((run) => run.startsAt.slice(0, 10))).toEqual(['2026-12-06', '2026-12-13', '2026-12-20', '2026-12-27']);
    expect((await runs(later.windowId)).map((run) => run.startsAt.slice(0, 10))).toEqual(['2026-12-14', '2026-12-21', '2026-12-28', '2027-01-04']);
  });

  it('1F: a series moved so that every run is over by now is a 422 window-in-past, as the same body planned is', async () => {
    clock.set('2026-12-07T08:00:00Z');
    const utc = { footprint: { global: false, regions: ['GB'] }, plannedZone: 'UTC' };
    const cases = [
      { recurrence: 'FREQ=WEEKLY;COUNT=5', move: { startsAt: '2026-11-03T10:00:00Z', endsAt: '2026-11-03T11:00:00Z' } },
      { recurrence: 'FREQ=WEEKLY;COUNT=5', move: { startsAt: '2026-11-03T10:00:00Z', endsAt: '2026-11-03T11:00:00Z', recurrence: 'FREQ=WEEKLY;COUNT=5' } },
      { recurrence: 'FREQ=HOURLY;COUNT=4', move: { startsAt: '2026-12-07T01:00:00Z', endsAt: '2026-12-07T01:30:00Z' } },
      { recurrence: 'FREQ=DAILY;COUNT=2', move: { startsAt: '2026-12-01T10:00:00Z', endsAt: '2026-12-01T11:00:00Z' } },
    ];
    for (const { recurrence, move } of cases) {
      const window = await plan({ ...utc, startsAt: '2026-12-08T10:00:00Z', endsAt: '2026-12-08T10:30:00Z', recurrence });
      const moved = await api('PATCH', `/v1/windows/${window.windowId}`, { version: 1, ...move });
      expect(moved, `${recurrence} moved to ${move.startsAt}`).toMatchObject({ status: 422, body: { code: 'window-in-past', errors: [{ path: 'endsAt' }] } });
      const planned = await api('POST', '/v1/windows', { title: 'Repro', ownerTeam: 'repro', ...utc, recurrence, ...move });
      expect(planned).toMatchObject({ status: 422, body: { code: 'window-in-past' } });
    }
  });

  it('2: a stale body version beside a matching If-Match is a 409 stale-version', async () => {
    clock.set('2027-03-01T00:00:00Z');
    const one = await plan({ footprint: { global: false, regions: ['GB'] }, plannedZone: 'UTC', startsAt: '2027-03-02T10:00:00Z', endsAt: '2027-03-02T11:00:00Z' });
    expect((await api('PATCH', `/v1/windows/${one.windowId}`, { title: 'v2' }, { 'if-match': '"1"' })).status).toBe(200);
    const both = await api('PATCH', `/v1/windows/${one.windowId}`, { title: 'x', version: 1 }, { 'if-match': '"2"' });
    expect(both).toMatchObject({ status: 409, body: { code: 'stale-version', currentVersion: 2 } });
    expect((await api('GET', `/v1/windows/${one.windowId}`)).body).toMatchObject({ title: 'v2', version: 2 });
    const cancel = await api('POST', `/v1/windows/${one.windowId}/cancel`, { reason: 'not needed', version: 1 }, { 'if-match': '"2"' });
    expect(cancel).toMatchObject({ status: 409, body: { code: 'stale-version' } });
  });

  it('3: a window whose regions’ allowed hours never meet is refused with 400 naming them', async () => {
    clock.set('2026-12-10T00:00:00Z');
    const nights = {
      title: 'Nights', ownerTeam: 'repro', footprint: { global: false, regions: ['NZ', 'CL'] }, plannedZone: 'UTC', startsAt: '2026-12-15T10:00:00Z', endsAt: '2026-12-15T11:00:00Z',
      flexibility: { earliestStartAt: '2026-12-14T00:00:00Z', deadlineAt: '2026-12-20T00:00:00Z', allowedLocalHours: { ranges: [{ from: '01:00', to: '05:00' }], in: 'every-region' } },
    };
    const refused = await api('POST', '/v1/windows', nights);
    expect(refused).toMatchObject({ status: 400, body: { code: 'invalid-body', errors: [{ path: 'flexibility.allowedLocalHours.ranges', message: expect.stringMatching(/^never meet in NZ \(Pacific\/Auckland\) and CL \(America\/Santiago\)/) }] } });
    // Planned for NZ alone, then CL added by a PATCH: refused the same way.
    const nz = await plan({ ...nights, footprint: { global: false, regions: ['NZ'] } });
    const widened = await api('PATCH', `/v1/windows/${nz.windowId}`, { footprint: { global: false, regions: ['NZ', 'CL'] } }, { 'if-match': '"1"' });
    expect(widened).toMatchObject({ status: 400, body: { errors: [{ path: 'flexibility.allowedLocalHours.ranges' }] } });
    expect((await api('PATCH', `/v1/windows/${nz.windowId}`, { footprint: { global: false, regions: ['NZ', 'AU'] } }, { 'if-match': '"1"' })).status).toBe(200);
  });
});
