/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { WindowsService } from '../src/windows/windows.service';

const clock = new ManualClock('2027-02-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
}

describe('maintenance-planner: a run taken out by an exdate keeps its number, and so do the others', () => {
  let service: ServiceUnderTest;

  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  /** A window of `hours` from `startsAt` in `region`, five daily runs in UTC unless `extra` says otherwise. */
  const windowBody = (region: string, startsAt: string, extra: Record<string, unknown> = {}, hours = 1) => ({
    title: `daily backup in ${region}`,
    ownerTeam: 'storage',
    footprint: { global: false, regions: [region] },
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + hours * 3_600_000).toISOString(),
    plannedZone: 'UTC',
    recurrence: 'FREQ=DAILY;COUNT=5',
    ...extra,
  });
  const planDaily = async (region: string, startsAt: string, extra: Record<string, unknown> = {}) => {
    const answer = await api('POST', '/v1/windows', windowBody(region, startsAt, extra));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };
  const runs = async (windowId: string) =>
    ((await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items as Record<string, any>[]).map((run) => [run.number, run.startsAt.slice(0, 10), run.status]);
  const patch = (window: Record<string, any>, version: number, body: Record<string, unknown>) => api('PATCH', `/v1/windows/${window.windowId}`, { version, ...body });
  const trail = async (windowId: string) => (await api('GET', `/v1/audit?subject=${windowId}`)).body.items as { action: string; details: Record<string, any> }[];

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
  });

  afterAll(async () => {
    await service?.close();
  });

  it('cancels the run an exdate names under its number, keeps every other number, refuses to start it, and brings it back when the date is given back', async () => {
    clock.set('2027-02-01T00:00:00Z');
    const window = await planDaily('MW', '2027-02-01T02:00:00Z');
    const dropped = await patch(window, window.version, { exdates: ['2027-02-03T02:00'] });
    expect(dropped.status, JSON.stringify(dropped.body)).toBe(200);
    expect(await runs(window.windowId)).toEqual([
      [1, '2027-02-01', 'scheduled'],
      [2, '2027-02-02', 'scheduled'],
      [3, '2027-02-03', 'cancelled'],
      [4, '2027-02-04', 'scheduled'],
      [5, '2027-02-05', 'scheduled'],
    ]);
    // By its start too, which names it still once a change of the window's times numbers its runs anew.
    expect((await trail(window.windowId)).find((entry) => entry.action === 'updated')?.details).toMatchObject({
      changes: ['exdates'],
      cancelled: [3],
      cancelledRuns: [{ number: 3, startsAt: '2027-02-03T02:00:00.000Z' }],
    });
    // Not listed for a day on which it no longer runs.
    const onTheDay = (await api('GET', '/v1/windows?from=2027-02-03T00:00:00Z&to=2027-02-03T23:00:00Z&region=MW')).body.items as { windowId: string }[];
    expect(onTheDay.map((listed) => listed.windowId)).not.toContain(window.windowId);

    clock.set('2027-02-03T02:00:00Z');
    const start = await api('POST', `/v1/windows/${window.windowId}/occurrences/3/start`);
    expect(start.status).toBe(409);
    expect(start.body.code).toBe('occurrence-not-startable');
    expect(start.body.detail).toContain("its date is among the window's exdates");
    expect(start.body.detail).toContain('brings the run back under its number');

    const givenBack = await patch(window, dropped.body.version, { exdates: [] });
    expect(givenBack.status, JSON.stringify(givenBack.body)).toBe(200);
    expect(await runs(window.windowId)).toEqual([
      [1, '2027-02-01', 'scheduled'],
      [2, '2027-02-02', 'scheduled'],
      [3, '2027-02-03', 'scheduled'],
      [4, '2027-02-04', 'scheduled'],
      [5, '2027-02-05', 'scheduled'],
    ]);
    expect((await trail(window.windowId)).filter((entry) => entry.action === 'updated').map((entry) => entry.details.reinstated ?? null)).toContainEqual([3]);
    expect((await trail(window.windowId)).filter((entry) => entry.action === 'updated').at(-1)?.details.reinstatedRuns).toEqual([{ number: 3, startsAt: '2027-02-03T02:00:00.000Z' }]);
    const started = await api('POST', `/v1/windows/${window.windowId}/occurrences/3/start`);
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    expect(started.body).toMatchObject({ number: 3, startsAt: '2027-02-03T02:00:00.000Z', status: 'in-progress' });
  });

  it('takes an exdate on a held window without asking for an override: the other runs stay held and the hold lets go of the one cancelled', async () => {
    clock.set('2027-03-01T00:00:00Z');
    const window = await planDaily('ZM', '2027-03-01T02:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['ZM'], from: '2027-03-01T00:00:00Z', until: '2027-03-04T00:00:00Z', reason: 'Exams in ZM' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect((await api('GET', `/v1/holds/${hold.body.id}`)).body.heldOccurrences).toBe(3);
    const heldEntries = async () => (await trail(window.windowId)).filter((entry) => entry.action === 'held').map((entry) => entry.details.occurrences);
    expect(await heldEntries()).toEqual([[1, 2, 3]]);

    clock.set('2027-03-01T00:10:00Z');
    const dropped = await patch(window, window.version, { exdates: ['2027-03-02T02:00'] });
    expect(dropped.status, JSON.stringify(dropped.body)).toBe(200);
    // The runs kept were never let go: no second "held" for them, and the hold still holds them since it was placed.
    expect(await heldEntries()).toEqual([[1, 2, 3]]);
    expect((await trail(window.windowId)).filter((entry) => entry.action === 'released').map((entry) => entry.details.occurrences)).toEqual([[2]]);
    expect(await runs(window.windowId)).toEqual([
      [1, '2027-03-01', 'held'],
      [2, '2027-03-02', 'cancelled'],
      [3, '2027-03-03', 'held'],
      [4, '2027-03-04', 'scheduled'],
      [5, '2027-03-05', 'scheduled'],
    ]);
    expect((await api('GET', `/v1/holds/${hold.body.id}`)).body.heldOccurrences).toBe(2);

    // Given back inside the hold, the run is planned into it again: refused unless overridden, like any run planned there.
    const refused = await patch(window, dropped.body.version, { exdates: [] });
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('window-in-hold');
    expect((await runs(window.windowId))[1]).toEqual([2, '2027-03-02', 'cancelled']);
    const overridden = await patch(window, dropped.body.version, { exdates: [], override: { reason: 'the backup cannot skip two days' } });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    // Only the run brought back is let through; the hold still holds the others.
    expect((await runs(window.windowId)).slice(0, 3)).toEqual([
      [1, '2027-03-01', 'held'],
      [2, '2027-03-02', 'scheduled'],
      [3, '2027-03-03', 'held'],
    ]);
    // Counted as a run the hold covers, an overridden one among them, as a run overridden at planning is.
    const counted = (await api('GET', `/v1/holds/${hold.body.id}`)).body;
    expect(counted.heldOccurrences).toBe(3);
    expect(counted.overrides).toEqual([expect.objectContaining({ windowId: window.windowId, occurrence: 2, reason: 'the backup cannot skip two days' })]);
  });

  it('numbers a run brought back from an exdate it was planned with after the last', async () => {
    clock.set('2027-04-01T00:00:00Z');
    const window = await planDaily('BW', '2027-04-01T02:00:00Z', { exdates: ['2027-04-02T02:00'] });
    expect(await runs(window.windowId)).toEqual([
      [1, '2027-04-01', 'scheduled'],
      [2, '2027-04-03', 'scheduled'],
      [3, '2027-04-04', 'scheduled'],
      [4, '2027-04-05', 'scheduled'],
    ]);
    const givenBack = await patch(window, window.version, { exdates: [] });
    expect(givenBack.status, JSON.stringify(givenBack.body)).toBe(200);
    expect(await runs(window.windowId)).toEqual([
      [1, '2027-04-01', 'scheduled'],
      [2, '2027-04-03', 'scheduled'],
      [3, '2027-04-04', 'scheduled'],
      [4, '2027-04-05', 'scheduled'],
      [5, '2027-04-02', 'scheduled'],
    ]);
    expect((await trail(window.windowId)).find((entry) => entry.action === 'updated')?.details).toMatchObject({ changes: ['exdates'], reinstated: [5] });
  });

  it('replans a window moved in time from scratch, runs an exdate cancelled included', async () => {
    clock.set('2027-05-01T00:00:00Z');
    const window = await planDaily('NA', '2027-05-01T02:00:00Z');
    const dropped = await patch(window, window.version, { exdates: ['2027-05-03T02:00'] });
    expect(dropped.status).toBe(200);
    const moved = await patch(window, dropped.body.version, { startsAt: '2027-05-01T03:00:00Z', endsAt: '2027-05-01T04:00:00Z', exdates: ['2027-05-03T03:00'] });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await runs(window.windowId)).toEqual([
      [1, '2027-05-01', 'scheduled'],
      [2, '2027-05-02', 'scheduled'],
      [3, '2027-05-04', 'scheduled'],
      [4, '2027-05-05', 'scheduled'],
    ]);
    expect((await api('GET', `/v1/windows/${window.windowId}/occurrences`)).body.items[0].startsAt).toBe('2027-05-01T03:00:00.000Z');
  });

  it('refuses an exdate that names no run, an hour off across a DST change or on a day the rule does not give, naming the run nearest it', async () => {
    clock.set('2026-12-01T00:00:00Z');
    const weekly = windowBody('DE', '2026-12-06T07:30:00Z', { plannedZone: 'Europe/Berlin', recurrence: 'FREQ=WEEKLY;BYDAY=SU' });
    // 08:30 in Berlin: 07:30Z in winter; 06:30Z is the summer offset's reading.
    const refused = await api('POST', '/v1/windows', { ...weekly, exdates: ['2027-01-03T06:30:00Z', '2027-01-05T08:30'] });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'exdate-names-no-run',
      errors: [
        { path: 'exdates.0', message: 'names no run; the nearest starts 2027-01-03T07:30:00Z (2027-01-03T08:30 in Europe/Berlin)' },
        { path: 'exdates.1', message: 'names no run; the nearest starts 2027-01-03T07:30:00Z (2027-01-03T08:30 in Europe/Berlin)' },
      ],
    });
    expect(refused.body.detail).toContain('Nothing was changed.');
    // A thousand astray (every one an hour off): the detail names the first few, errors each one.
    const daily = windowBody('DE', '2026-12-06T07:30:00Z', { plannedZone: 'UTC', recurrence: 'FREQ=DAILY' });
    const hourOff = Array.from({ length: 1000 }, (_, day) => new Date(Date.parse('2026-12-06T08:30:00Z') + day * 86_400_000).toISOString().replace('.000', ''));
    const many = await api('POST', '/v1/windows', { ...daily, exdates: hourOff });
    expect(many.status).toBe(422);
    expect(many.body.errors).toHaveLength(1000);
    expect(many.body.detail).toMatch(/^exdates: 2026-12-06T08:30:00Z names no run; .*; and 995 more, each named at its exdates\.N in errors\. An exdate must be/);
    expect(many.body.detail).not.toContain('2026-12-11T08:30:00Z');
    const planned = await api('POST', '/v1/windows', { ...weekly, exdates: ['2027-01-03T07:30:00Z'] });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const astray = await patch(planned.body, planned.body.version, { exdates: ['2027-01-03T07:30:00Z', '2027-01-10T09:30'] });
    expect(astray).toMatchObject({ status: 422, body: { code: 'exdate-names-no-run', errors: [{ path: 'exdates.1' }] } });
  });

  it('refuses a move that would leave its exdates naming no run, saying which exdates skip the same runs at their new times', async () => {
    clock.set('2026-12-01T00:00:00Z');
    const window = await planDaily('PL', '2026-12-02T07:30:00Z', { recurrence: 'FREQ=WEEKLY' });
    const skipped = await patch(window, window.version, { exdates: ['2026-12-16T07:30:00Z', '2026-12-23T07:30'] });
    expect(skipped.status, JSON.stringify(skipped.body)).toBe(200);
    const moved = { startsAt: '2026-12-02T08:30:00Z', endsAt: '2026-12-02T09:30:00Z' };
    const refused = await patch(window, skipped.body.version, moved);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'exdate-names-no-run', exdates: ['2026-12-16T08:30:00Z', '2026-12-23T08:30:00Z'] });
    expect(refused.body.detail).toContain('the runs they skip would take place on 2026-12-16, 2026-12-23');
    const resent = await patch(window, skipped.body.version, { ...moved, exdates: refused.body.exdates });
    expect(resent.status, JSON.stringify(resent.body)).toBe(200);
    // A new plan: the runs the exdates skip are not planned at all.
    expect((await runs(window.windowId)).slice(0, 3)).toEqual([
      [1, '2026-12-02', 'scheduled'],
      [2, '2026-12-09', 'scheduled'],
      [3, '2026-12-30', 'scheduled'],
    ]);
    // Or sent as [] to run them all.
    const all = await patch(window, resent.body.version, { startsAt: '2026-12-02T09:30:00Z', endsAt: '2026-12-02T10:30:00Z', exdates: [] });
    expect(all.status, JSON.stringify(all.body)).toBe(200);
  });

  it("refuses a daily 24-hour window whose runs would overlap on a DST day past the horizon, where the sweep stopped its runs there", async () => {
    clock.set('2026-12-01T00:00:00Z');
    const allDay = await api('POST', '/v1/windows', windowBody('DE', '2026-12-01T23:00:00Z', { plannedZone: 'Europe/Berlin', recurrence: 'FREQ=DAILY' }, 24));
    expect(allDay.status).toBe(422);
    expect(allDay.body.code).toBe('overlapping-occurrences');
    expect(allDay.body.detail).toContain('The run starting 2027-03-27T23:00:00.000Z lasts until 2027-03-28T23:00:00.000Z, after the next run starts at 2027-03-28T22:00:00.000Z');
  });

  it('plans a window whose first run an exdate leaves out and whose next lies past the horizon, storing that next run', async () => {
    clock.set('2027-01-01T00:00:00Z');
    const answer = await api('POST', '/v1/windows', windowBody('DE', '2027-03-29T08:00:00Z', { plannedZone: 'Europe/Berlin', recurrence: 'FREQ=WEEKLY;BYDAY=MO', exdates: ['2027-03-29T10:00'] }));
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(await runs(answer.body.windowId)).toEqual([[1, '2027-04-05', 'scheduled']]);
    expect(answer.body.nextOccurrence).toMatchObject({ number: 1, startsAt: '2027-04-05T08:00:00.000Z' });
  });

  it('lets through, with the override sent, only the run an exdate change brings back into a hold, not the runs the hold still holds', async () => {
    clock.set('2026-12-10T00:00:00Z');
    const window = await planDaily('SE', '2026-12-19T14:00:00Z', { exdates: ['2026-12-21T14:00:00Z'] });
    const hold = await api('POST', '/v1/holds', { regions: ['SE'], from: '2026-12-20T00:00:00Z', until: '2026-12-22T00:00:00Z', reason: 'Election in SE' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const back = await patch(window, window.version, { exdates: [], override: { reason: 'bring back the 21st only' } });
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(await runs(window.windowId)).toEqual([
      [1, '2026-12-19', 'scheduled'],
      [2, '2026-12-20', 'held'],
      [3, '2026-12-22', 'scheduled'],
      [4, '2026-12-23', 'scheduled'],
      [5, '2026-12-21', 'scheduled'],
    ]);
  });

  it('takes a move to days the skipped runs no longer fall on, and refuses an exdate naming a run moved after a hold', async () => {
    clock.set('2026-12-01T00:00:00Z');
    const weekly = await planDaily('EE', '2026-12-07T06:30:00Z', { recurrence: 'FREQ=WEEKLY;BYDAY=MO', exdates: ['2026-12-14T06:30:00Z'] });
    const moved = await patch(weekly, weekly.version, { startsAt: '2026-12-08T06:30:00Z', endsAt: '2026-12-08T07:30:00Z', recurrence: 'FREQ=WEEKLY;BYDAY=TU' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);

    const daily = await planDaily('LV', '2026-12-02T10:00:00Z');
    // Run 2 moved after a hold (as the planner's automatic move leaves it): an exdate at its planned time skips nothing.
    await service.app.get(DataSource).query(`UPDATE occurrence SET starts_at = '2026-12-03T15:00:00Z', ends_at = '2026-12-03T16:00:00Z' WHERE window_id = $1 AND number = 2`, [daily.windowId]);
    const refused = await patch(daily, daily.version, { exdates: ['2026-12-03T10:00:00Z'] });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'exdate-names-moved-run' });
    expect(refused.body.detail).toContain('no longer stored at that time (moved after a hold)');
  });

  it('reads cancelled, not completed, once exdates call off every run, and stays the owner’s to change or cancel', async () => {
    clock.set('2027-05-01T00:00:00Z');
    const daily = await planDaily('UY', '2027-05-03T08:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=3' });
    const every = ['2027-05-03T08:00:00Z', '2027-05-04T08:00:00Z', '2027-05-05T08:00:00Z'];
    const skipped = await patch(daily, daily.version, { exdates: every });
    expect(skipped.status, JSON.stringify(skipped.body)).toBe(200);
    expect(skipped.body).toMatchObject({ status: 'cancelled', nextOccurrence: null });
    expect((await runs(daily.windowId)).map(([, , status]) => status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect((await api('GET', `/v1/windows/${daily.windowId}`)).body.status).toBe('cancelled');
    const listed = async (status: string) => ((await api('GET', `/v1/windows?region=UY&status=${status}`)).body.items as { windowId: string }[]).map((window) => window.windowId);
    expect(await listed('completed')).not.toContain(daily.windowId);
    expect(await listed('cancelled')).toContain(daily.windowId);
    // Not cancelled itself: nothing says who cancelled it or why, and its exdates can still be taken back.
    const gate = (await api('GET', `/v1/gate?windowId=${daily.windowId}`)).body;
    expect(gate).toMatchObject({ code: 'no-run-left', lastRun: { number: 3, status: 'cancelled' } });
    expect(gate.detail).toContain('was cancelled by its exdate 2027-05-05T08:00:00Z');
    expect(gate.detail).toContain(`Taking that date out of exdates (PATCH /v1/windows/${daily.windowId}) brings the run back`);
    expect(gate.detail).not.toContain('will never run again');
    clock.set('2027-05-04T08:00:00Z');
    expect((await api('POST', `/v1/windows/${daily.windowId}/occurrences/2/start`)).body.detail).toContain("its date is among the window's exdates");
    const givenBack = await patch(daily, skipped.body.version, { exdates: [every[0], every[2]] });
    expect(givenBack.status, JSON.stringify(givenBack.body)).toBe(200);
    expect(givenBack.body).toMatchObject({ status: 'scheduled', nextOccurrence: { number: 2 } });

    const again = await patch(daily, givenBack.body.version, { exdates: every });
    expect(again.body.status).toBe('cancelled');
    const cancelled = await api('POST', `/v1/windows/${daily.windowId}/cancel`, { reason: 'not needed this month' });
    expect(cancelled).toMatchObject({ status: 200, body: { status: 'cancelled', version: again.body.version + 1 } });
    expect((await api('GET', `/v1/gate?windowId=${daily.windowId}`)).body).toMatchObject({ code: 'window-cancelled', cancelReason: 'not needed this month' });
  });

  it('takes an exdate calling off the last run still to come when the runs before it are over', async () => {
    clock.set('2026-12-07T05:00:00Z');
    const hourly = await planDaily('EC', '2026-12-07T06:05:00Z', { recurrence: 'FREQ=HOURLY;COUNT=2', endsAt: '2026-12-07T06:06:00Z' });
    // Run 1 missed (ended 06:06), run 2 (07:05-07:06) still to come.
    clock.set('2026-12-07T07:03:00Z');
    await service.app.get(WindowsService).markMissed();
    const skipped = await patch(hourly, hourly.version, { exdates: ['2026-12-07T07:05:00Z'] });
    expect(skipped.status, JSON.stringify(skipped.body)).toBe(200);
    expect(skipped.body).toMatchObject({ exdates: ['2026-12-07T07:05:00Z'], nextOccurrence: null });
    expect(await runs(hourly.windowId)).toEqual([
      [1, '2026-12-07', 'missed'],
      [2, '2026-12-07', 'cancelled'],
    ]);
    // And given back while it has not ended.
    const givenBack = await patch(hourly, skipped.body.version, { exdates: [] });
    expect(givenBack.status, JSON.stringify(givenBack.body)).toBe(200);
    expect(givenBack.body).toMatchObject({ nextOccurrence: { number: 2, startsAt: '2026-12-07T07:05:00.000Z' } });
  });

  it('stores the next run past those stored when exdates take out every run stored still to come, so the window does not read completed', async () => {
    clock.set('2027-01-01T00:00:00Z');
    const monthly = await planDaily('FI', '2027-03-05T06:00:00Z', { recurrence: 'FREQ=MONTHLY;BYMONTHDAY=5', exdates: ['2027-03-05T06:00'] });
    expect(await runs(monthly.windowId)).toEqual([[1, '2027-04-05', 'scheduled']]);
    const skipped = await patch(monthly, monthly.version, { exdates: ['2027-03-05T06:00', '2027-04-05T06:00'] });
    expect(skipped.status, JSON.stringify(skipped.body)).toBe(200);
    expect(skipped.body).toMatchObject({ status: 'scheduled', nextOccurrence: { number: 2, startsAt: '2027-05-05T06:00:00.000Z' } });
    expect(await runs(monthly.windowId)).toEqual([
      [1, '2027-04-05', 'cancelled'],
      [2, '2027-05-05', 'scheduled'],
    ]);
  });
});
