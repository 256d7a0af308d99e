/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';
import { ZoneRulesCheck } from '../src/windows/zone-rules.check';
import { instantToWallClock } from '@holdfast/time';

const clock = new ManualClock('2026-10-01T00:00:00Z');
const HOUR = 3_600_000;
const RELEASE = process.versions.tz!;

/**
 * Runs stored by an older tzdata, as a planner on Node 20.20 (2025c) stored a Vancouver window's
 * runs after 2026-11-01 an hour later than 2026c puts them: simulated by moving stored runs an hour
 * from where this Node's rules put them, so the spec holds whatever tzdata runs it.
 */
describe('maintenance-planner: runs stored by an older time zone database', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let sweep: PlannerSweep;
  let check: ZoneRulesCheck;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };
  const planWeekly = async (title: string, zone: string, startsAt: string, rule: Record<string, unknown> = { recurrence: 'FREQ=WEEKLY' }) => {
    const answer = await api('POST', '/v1/windows', {
      title,
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['CA'] },
      startsAt,
      endsAt: new Date(Date.parse(startsAt) + HOUR).toISOString(),
      plannedZone: zone,
      ...rule,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body as { windowId: string; version: number };
  };
  const runsOf = async (windowId: string) =>
    (await db.query('SELECT number, starts_at, ends_at FROM occurrence WHERE window_id = $1 ORDER BY number', [windowId])) as { number: number; starts_at: Date; ends_at: Date }[];
  const recorded = async () => ((await db.query('SELECT release FROM zone_rules_release')) as { release: string }[]).map((row) => row.release);
  const warnings = () => vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    sweep = service.app.get(PlannerSweep);
    check = service.app.get(ZoneRulesCheck);
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(async () => {
    await service?.close();
  });

  const shiftNovemberOn = async (windowId: string, runs: { number: number; starts_at: Date }[]) => {
    const shifted = runs.filter((run) => run.starts_at >= new Date('2026-11-01T00:00:00Z')).map((run) => run.number);
    await db.query(`UPDATE occurrence SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' WHERE window_id = $1 AND number = ANY($2::int[])`, [windowId, shifted]);
    return shifted;
  };
  const statusOf = async (windowId: string, number: number) =>
    ((await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items as { number: number; status: string }[]).find((run) => run.number === number)!.status;

  it('moves the runs to come an older release stored back to where the rule puts them, numbers kept, holds following, and tells it as window.updated', async () => {
    const vancouver = await planWeekly('Core router upgrade', 'America/Vancouver', '2026-10-05T09:00:00Z');
    const berlin = await planWeekly('Database patching', 'Europe/Berlin', '2026-10-06T01:00:00Z');
    // Rules of other shapes, across the DST changes of October and November, none of whose runs is off its rule.
    await planWeekly('Daily backups', 'Europe/Berlin', '2026-10-01T00:30:00Z', { recurrence: 'FREQ=DAILY', exdates: ['2026-10-24T02:30'] });
    await planWeekly('Five patch nights', 'America/New_York', '2026-10-30T05:00:00Z', { recurrence: 'FREQ=WEEKLY;COUNT=5' });
    await planWeekly('Log rotation', 'Asia/Tehran', '2026-10-01T20:30:00Z', { recurrence: 'FREQ=HOURLY;INTERVAL=6' });
    await planWeekly('Weekday checks', 'Australia/Sydney', '2026-10-04T22:00:00Z', { recurrence: 'FREQ=WEEKLY;BYDAY=MO,WE,FR' });

    // The first sweep of an installation records its release; the runs it stored itself follow their rules.
    expect(await sweep.sweep()).toMatchObject({ zoneRules: 0, outcome: 'ok' });
    expect(await recorded()).toEqual([RELEASE]);

    const asPlanned = await runsOf(vancouver.windowId);
    expect(asPlanned.length).toBeGreaterThan(10);
    const shifted = await shiftNovemberOn(vancouver.windowId, asPlanned);
    // A hold over the half hour where the rule puts the second shifted run: the run stored an hour later is outside it.
    const heldRun = asPlanned.find((run) => run.number === shifted[1])!;
    const hold = await api('POST', '/v1/holds', { regions: ['CA'], from: heldRun.starts_at.toISOString(), until: new Date(heldRun.starts_at.getTime() + HOUR / 2).toISOString(), reason: 'provincial election night' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect(await statusOf(vancouver.windowId, heldRun.number)).toBe('scheduled');
    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);
    const version = (await api('GET', `/v1/windows/${vancouver.windowId}`)).body.version as number;

    const warned = warnings();
    expect(await sweep.sweep()).toMatchObject({ zoneRules: 1, outcome: 'ok' });

    expect(await recorded()).toEqual([RELEASE]);
    expect((await runsOf(vancouver.windowId)).map((run) => [run.number, run.starts_at.getTime(), run.ends_at.getTime()])).toEqual(
      asPlanned.map((run) => [run.number, run.starts_at.getTime(), run.ends_at.getTime()]),
    );
    expect(await statusOf(vancouver.windowId, heldRun.number)).toBe('held');
    expect((await api('GET', `/v1/windows/${vancouver.windowId}`)).body.version).toBe(version + 1);
    const [updated] = (await db.query(`SELECT payload FROM outbox_message WHERE event_type = 'window.updated' AND message_key = $1`, [vancouver.windowId])) as { payload: any }[];
    expect(updated.payload).toMatchObject({ windowId: vancouver.windowId, version: version + 1, changes: ['occurrences'] });
    expect(updated.payload.occurrences.map((run: { number: number; startsAt: string }) => [run.number, run.startsAt])).toEqual(
      asPlanned.filter((run) => shifted.includes(run.number)).map((run) => [run.number, run.starts_at.toISOString()]),
    );
    const trail = (await api('GET', `/v1/audit?subject=${vancouver.windowId}`)).body.items.filter((entry: any) => entry.actor === 'planner' && entry.action === 'updated');
    expect(trail).toEqual([
      expect.objectContaining({ reason: expect.stringContaining("America/Vancouver's rules changed with tzdata"), details: expect.objectContaining({ changes: ['occurrences'], movedCount: shifted.length, release: RELEASE, previous: '2025c' }) }),
    ]);
    // Moved, so nothing for its owner to do: no warning names it, nor the Berlin window that followed its rule.
    expect(warned.mock.calls.some(([, text]) => String(text).includes(vancouver.windowId) || String(text).includes(berlin.windowId))).toBe(false);
    // Checked once: the next sweep finds the release recorded.
    expect(await sweep.sweep()).toMatchObject({ zoneRules: 0 });
  });

  it('keeps a run the planner moved to a slot where it was moved, moves the rest to the rule, and reports no window for its moved run alone', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const flexibility = { earliestStartAt: '2026-10-01T00:00:00Z', deadlineAt: '2026-12-31T00:00:00Z', autoMove: true };
    const vancouver = await planWeekly('Transit gateway upgrade', 'America/Vancouver', '2026-10-07T09:00:00Z', { recurrence: 'FREQ=WEEKLY', flexibility });
    // A window whose clocks no release moved, with a run moved to a slot all the same: nothing about it is off its rule.
    const berlin = await planWeekly('Mail relay patching', 'Europe/Berlin', '2026-10-07T10:00:00Z', { recurrence: 'FREQ=WEEKLY', flexibility });
    const asPlanned = await runsOf(vancouver.windowId);
    const shifted = await shiftNovemberOn(vancouver.windowId, asPlanned);
    const [moving] = await runsOf(vancouver.windowId).then((runs) => runs.filter((run) => run.number === shifted[0]));
    const [berlinMoving] = (await runsOf(berlin.windowId)).filter((run) => run.starts_at.getTime() === moving.starts_at.getTime() + HOUR);
    expect(berlinMoving).toBeDefined();
    // Held as both runs begin; released after, so the planner moves each to a slot of its own (its owner allowed automatic moves).
    const hold = await api('POST', '/v1/holds', {
      regions: ['CA'],
      from: new Date(moving.starts_at.getTime() - HOUR).toISOString(),
      until: new Date(berlinMoving.ends_at.getTime() + HOUR).toISOString(),
      reason: 'provincial election night',
    });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    clock.set(new Date(berlinMoving.starts_at.getTime() + HOUR / 4).toISOString());
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'counted' })).status).toBe(200);
    const slotOf = async (windowId: string, number: number) => (await runsOf(windowId)).find((run) => run.number === number)!;
    const slot = await slotOf(vancouver.windowId, moving.number);
    const berlinSlot = await slotOf(berlin.windowId, berlinMoving.number);
    expect(slot.starts_at.getTime()).toBeGreaterThan(clock.now().getTime());
    expect(berlinSlot.starts_at.getTime()).toBeGreaterThan(clock.now().getTime());
    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);

    const warned = warnings();
    const off = await check.checkNewRelease();

    const ahead = shifted.filter((number) => number !== moving.number && asPlanned.find((run) => run.number === number)!.starts_at > clock.now());
    expect(off).toEqual([{ windowId: vancouver.windowId, runs: expect.any(Array), moved: ahead.length, startsAt: null }]);
    expect(off[0].runs.map((entry) => entry.run.number)).toEqual(ahead);
    const runs = await runsOf(vancouver.windowId);
    expect(runs.filter((run) => ahead.includes(run.number)).map((run) => [run.number, run.starts_at.toISOString()])).toEqual(
      asPlanned.filter((run) => ahead.includes(run.number)).map((run) => [run.number, run.starts_at.toISOString()]),
    );
    // Each moved run stays in the slot the planner chose for it.
    expect((await slotOf(vancouver.windowId, moving.number)).starts_at).toEqual(slot.starts_at);
    expect((await slotOf(berlin.windowId, berlinMoving.number)).starts_at).toEqual(berlinSlot.starts_at);
    const reported = (await api('GET', `/v1/audit?subject=${berlin.windowId}`)).body.items.filter((entry: any) => entry.action === 'runs-off-zone-rules');
    expect(reported).toEqual([]);
    expect(warned.mock.calls.some(([, text]) => String(text).includes(vancouver.windowId) || String(text).includes(berlin.windowId))).toBe(false);
  });

  it('leaves a window whose runs do not pair with its rule to its owner, with a warning, an audit entry and the PATCH that plans them again', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const window = await planWeekly('Edge cache flush', 'America/Vancouver', '2026-10-06T09:00:00Z');
    const asPlanned = await runsOf(window.windowId);
    const shifted = await shiftNovemberOn(window.windowId, asPlanned);
    // One run was moved two days on, and not by the planner (no slot on its trail): the stored runs no longer pair one to one with the rule's.
    const slotted = shifted[2];
    await db.query(`UPDATE occurrence SET starts_at = starts_at + interval '2 days', ends_at = ends_at + interval '2 days' WHERE window_id = $1 AND number = $2`, [window.windowId, slotted]);
    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);

    const warned = warnings();
    expect(await check.checkNewRelease()).toEqual([expect.objectContaining({ windowId: window.windowId, moved: 0 })]);

    expect(await recorded()).toEqual([RELEASE]);
    const [[fields, message]] = warned.mock.calls.filter(([, text]) => String(text).startsWith('window '));
    expect(fields).toMatchObject({ windowId: window.windowId, ownerTeam: 'network-ops', zone: 'America/Vancouver', runs: shifted.length });
    const [first] = asPlanned.filter((run) => run.number === shifted[0]);
    expect((fields as any).shown[0]).toEqual({
      number: first.number,
      storedAt: new Date(first.starts_at.getTime() + HOUR).toISOString(),
      storedLocal: expect.any(String),
      ruleAt: first.starts_at.toISOString(),
      ruleLocal: expect.any(String),
    });
    expect((fields as any).replanFrom).toEqual({ startsAt: asPlanned[0].starts_at.toISOString(), endsAt: asPlanned[0].ends_at.toISOString() });
    expect(message).toContain(`window ${window.windowId} (Edge cache flush, network-ops) recurs in America/Vancouver: ${shifted.length} of its runs to come are no longer where its rule puts them`);
    expect(message).toContain('so none was moved');
    // Each reading with the offset the rules in force give it, the change a person has to see.
    expect(message).toMatch(/run \d+ is stored at \S+ \(\d{4}-\d\d-\d\dT\d\d:\d\d-0[78]:00 in America\/Vancouver\), where the rule now gives \S+ \(\d{4}-\d\d-\d\dT\d\d:\d\d-0[78]:00 in America\/Vancouver\)/);
    expect(message).toContain('PATCH its startsAt and endsAt to its next run as the rule now gives it');
    const trail = (await api('GET', `/v1/audit?subject=${window.windowId}`)).body.items.filter((entry: any) => entry.action === 'runs-off-zone-rules');
    expect(trail).toEqual([expect.objectContaining({ actor: 'planner', reason: message, details: expect.objectContaining({ release: RELEASE, previous: '2025c', runs: shifted.length }) })]);
    // Nothing moved.
    expect((await runsOf(window.windowId)).filter((run) => shifted.includes(run.number) && run.number !== slotted).map((run) => run.starts_at.getTime())).toEqual(
      asPlanned.filter((run) => shifted.includes(run.number) && run.number !== slotted).map((run) => run.starts_at.getTime() + HOUR),
    );

    // A replica on an older release than the one recorded checks nothing and records nothing, and says so once.
    warned.mockClear();
    expect(await check.checkNewRelease('2025c')).toEqual([]);
    expect(await check.checkNewRelease('2025c')).toEqual([]);
    expect(await recorded()).toEqual([RELEASE]);
    expect(warned.mock.calls.map(([, text]) => text)).toEqual([
      `this planner applies tzdata 2025c, older than the ${RELEASE} another planner checked the runs against: the runs it stores follow the older rules wherever they differ. Run every replica on the same Node build (holdfast_time_zone_rules_info says which has which)`,
    ]);

    // As the warning says, once the first runs are behind: PATCH the window to its next run as the rule gives it.
    clock.set('2026-10-20T00:00:00Z');
    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);
    warned.mockClear();
    expect((await check.checkNewRelease()).map((off) => off.windowId)).toEqual([window.windowId]);
    const next = asPlanned.find((run) => run.starts_at > clock.now())!;
    const [[again]] = warned.mock.calls.filter(([, text]) => String(text).startsWith('window '));
    expect((again as any).replanFrom).toEqual({ startsAt: next.starts_at.toISOString(), endsAt: next.ends_at.toISOString() });
    const current = (await api('GET', `/v1/windows/${window.windowId}`)).body;
    const patched = await api('PATCH', `/v1/windows/${window.windowId}`, { version: current.version, startsAt: (again as any).replanFrom.startsAt, endsAt: (again as any).replanFrom.endsAt });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);

    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);
    expect(await check.checkNewRelease()).toEqual([]);
    const last = asPlanned.at(-1)!.starts_at;
    const ahead = (runs: { number: number; starts_at: Date }[]) => runs.filter((run) => run.starts_at > clock.now() && run.starts_at <= last).map((run) => [run.number, run.starts_at.toISOString()]);
    expect(ahead(await runsOf(window.windowId))).toEqual(ahead(asPlanned));
  });

  it('moves a window planned for after the change back to the local time it was planned at, its start, its runs and the runs the sweep adds later, and a one-off window too', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const planOnce = async (startsAt: string) => {
      const answer = await api('POST', '/v1/windows', {
        title: 'DNS cutover',
        ownerTeam: 'network-ops',
        footprint: { global: false, regions: ['CA'] },
        startsAt,
        endsAt: new Date(Date.parse(startsAt) + HOUR).toISOString(),
        plannedZone: 'America/Vancouver',
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return answer.body as { windowId: string };
    };
    const weekly = await planWeekly('Firewall rules push', 'America/Vancouver', '2026-11-10T10:00:00Z');
    const once = await planOnce('2026-11-20T10:00:00Z');
    const plannedLocal = async (windowId: string) => ((await db.query('SELECT planned_local_start FROM maintenance_window WHERE id = $1', [windowId])) as { planned_local_start: string }[])[0].planned_local_start;
    // Planned through the API, each records the local time it starts at by the rules it was planned under.
    expect(await plannedLocal(weekly.windowId)).toBe(instantToWallClock(new Date('2026-11-10T10:00:00Z'), 'America/Vancouver'));
    // As if planned by rules that read their starts an hour earlier (2025c: 02:00 PST, where 2026c reads 03:00): the local time recorded then.
    for (const { windowId } of [weekly, once]) {
      const [{ starts_at: start }] = (await db.query('SELECT starts_at FROM maintenance_window WHERE id = $1', [windowId])) as { starts_at: Date }[];
      await db.query('UPDATE maintenance_window SET planned_local_start = $2 WHERE id = $1', [windowId, instantToWallClock(new Date(start.getTime() - HOUR), 'America/Vancouver')]);
    }
    const weeklyRuns = await runsOf(weekly.windowId);
    const [onceRun] = await runsOf(once.windowId);
    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);

    const warned = warnings();
    const off = await check.checkNewRelease();

    expect(off.filter((window) => [weekly.windowId, once.windowId].includes(window.windowId))).toEqual([
      { windowId: weekly.windowId, runs: expect.any(Array), moved: weeklyRuns.length, startsAt: new Date(Date.parse('2026-11-10T10:00:00Z') - HOUR) },
      { windowId: once.windowId, runs: [expect.objectContaining({ run: expect.objectContaining({ number: 1 }) })], moved: 1, startsAt: new Date(Date.parse('2026-11-20T10:00:00Z') - HOUR) },
    ].sort((a, b) => a.windowId.localeCompare(b.windowId)));
    const earlier = (runs: { number: number; starts_at: Date; ends_at: Date }[]) => runs.map((run) => [run.number, run.starts_at.getTime() - HOUR, run.ends_at.getTime() - HOUR]);
    expect((await runsOf(weekly.windowId)).map((run) => [run.number, run.starts_at.getTime(), run.ends_at.getTime()])).toEqual(earlier(weeklyRuns));
    expect((await runsOf(once.windowId)).map((run) => [run.number, run.starts_at.getTime(), run.ends_at.getTime()])).toEqual(earlier([onceRun]));
    const window = (await api('GET', `/v1/windows/${weekly.windowId}`)).body;
    expect([window.startsAt, window.endsAt]).toEqual(['2026-11-10T09:00:00.000Z', '2026-11-10T10:00:00.000Z']);
    const [updated] = (await db.query(`SELECT payload FROM outbox_message WHERE event_type = 'window.updated' AND message_key = $1`, [once.windowId])) as { payload: any }[];
    expect(updated.payload).toMatchObject({ changes: ['startsAt', 'endsAt', 'occurrences'], startsAt: '2026-11-20T09:00:00.000Z', occurrences: [{ number: 1, startsAt: '2026-11-20T09:00:00.000Z' }] });
    const [entry] = (await api('GET', `/v1/audit?subject=${weekly.windowId}`)).body.items.filter((item: any) => item.actor === 'planner' && item.action === 'updated');
    expect(entry.details).toMatchObject({ changes: ['startsAt', 'endsAt', 'occurrences'], startsAt: { from: '2026-11-10T10:00:00.000Z', to: '2026-11-10T09:00:00.000Z' }, movedCount: weeklyRuns.length });
    expect(warned.mock.calls.some(([, text]) => String(text).includes(weekly.windowId) || String(text).includes(once.windowId))).toBe(false);

    // The runs the sweep adds as the horizon moves on repeat the local time planned, an hour before where the start's instant had put them.
    clock.set('2027-01-15T00:00:00Z');
    await sweep.sweep();
    const added = (await runsOf(weekly.windowId)).filter((run) => run.number > weeklyRuns.at(-1)!.number);
    expect(added.length).toBeGreaterThan(0);
    expect(new Set(added.map((run) => instantToWallClock(run.starts_at, 'America/Vancouver').slice(11)))).toEqual(new Set([instantToWallClock(new Date(window.startsAt), 'America/Vancouver').slice(11)]));

    // A change of the start records the local time anew; a change of anything else keeps the one recorded.
    const patch = async (body: Record<string, unknown>) => {
      const { version } = (await api('GET', `/v1/windows/${once.windowId}`)).body;
      const answer = await api('PATCH', `/v1/windows/${once.windowId}`, { version, ...body });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    };
    await patch({ title: 'DNS cutover, phase 2' });
    expect(await plannedLocal(once.windowId)).toBe(instantToWallClock(new Date('2026-11-20T09:00:00Z'), 'America/Vancouver'));
    await db.query('UPDATE maintenance_window SET planned_local_start = $2 WHERE id = $1', [once.windowId, '2027-02-01T01:00']);
    await patch({ title: 'DNS cutover, phase 3' });
    expect(await plannedLocal(once.windowId)).toBe('2027-02-01T01:00');
    await patch({ startsAt: '2027-02-10T10:00:00Z', endsAt: '2027-02-10T11:00:00Z' });
    expect(await plannedLocal(once.windowId)).toBe(instantToWallClock(new Date('2027-02-10T10:00:00Z'), 'America/Vancouver'));
  });

  it('pairs the runs at the edges: a run whose rule time began by now stays, and a run the new rules bring before the horizon is planned by the sweep', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const daily = await planWeekly('Cache warm-up', 'America/Vancouver', '2026-10-05T09:00:00Z', { recurrence: 'FREQ=DAILY' });
    const asPlanned = await runsOf(daily.windowId);
    await shiftNovemberOn(daily.windowId, asPlanned);
    // The older rules' horizon stopped at 09:30 on 11-20: that day's run, at 10:00 by them, was not stored yet; by the rules now it is at 09:00, before it.
    const horizon = new Date('2026-11-20T09:30:00Z');
    await db.query('UPDATE maintenance_window SET expanded_until = $2 WHERE id = $1', [daily.windowId, horizon]);
    await db.query('DELETE FROM occurrence WHERE window_id = $1 AND starts_at >= $2', [daily.windowId, horizon]);
    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);
    // 09:30 on 11-05: that day's run began at 09:00 by the rules now, and starts at 10:00 as stored.
    clock.set('2026-11-05T09:30:00Z');

    const warned = warnings();
    const off = await check.checkNewRelease();

    const at = (runs: { starts_at: Date }[]) => runs.map((run) => run.starts_at.toISOString());
    // Those stored before the horizon, an hour later than the rule now puts them, after the one begun.
    const movable = asPlanned.filter((run) => run.starts_at > new Date('2026-11-05T10:00:00Z') && run.starts_at.getTime() + HOUR < horizon.getTime());
    expect(off.filter((window) => window.windowId === daily.windowId)).toEqual([{ windowId: daily.windowId, runs: expect.any(Array), moved: movable.length, startsAt: null }]);
    const runs = await runsOf(daily.windowId);
    expect(at(runs.filter((run) => run.starts_at > clock.now()))).toEqual(['2026-11-05T10:00:00.000Z', ...at(movable)]);
    expect(warned.mock.calls.some(([, text]) => String(text).includes(daily.windowId))).toBe(false);

    await sweep.sweep();
    const after = await runsOf(daily.windowId);
    expect(at(after.filter((run) => run.starts_at >= new Date('2026-11-19T00:00:00Z') && run.starts_at < new Date('2026-11-23T00:00:00Z')))).toEqual([
      '2026-11-19T09:00:00.000Z',
      '2026-11-20T09:00:00.000Z',
      '2026-11-21T09:00:00.000Z',
      '2026-11-22T09:00:00.000Z',
    ]);
    expect(after.filter((run) => run.starts_at > new Date('2026-11-06T00:00:00Z')).every((run) => run.starts_at.toISOString().endsWith('T09:00:00.000Z'))).toBe(true);
  });

  it('plans a run the new rules bring before the horizon even where no stored run moves, and reports nothing', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const daily = await planWeekly('Queue compaction', 'America/Vancouver', '2026-10-05T09:00:00Z', { recurrence: 'FREQ=DAILY' });
    // Only the run of 11-05 is an hour late, and its rule time has begun by now; the horizon stopped before 11-20's run.
    await db.query(`UPDATE occurrence SET starts_at = starts_at + interval '1 hour', ends_at = ends_at + interval '1 hour' WHERE window_id = $1 AND starts_at = '2026-11-05T09:00:00Z'`, [daily.windowId]);
    await db.query(`UPDATE maintenance_window SET expanded_until = '2026-11-20T09:30:00Z' WHERE id = $1`, [daily.windowId]);
    await db.query(`DELETE FROM occurrence WHERE window_id = $1 AND starts_at >= '2026-11-20T00:00:00Z'`, [daily.windowId]);
    await db.query(`UPDATE zone_rules_release SET release = '2025c'`);
    clock.set('2026-11-05T09:30:00Z');
    const version = (await api('GET', `/v1/windows/${daily.windowId}`)).body.version as number;

    const warned = warnings();
    expect((await check.checkNewRelease()).filter((window) => window.windowId === daily.windowId)).toEqual([]);
    expect(warned.mock.calls.some(([, text]) => String(text).includes(daily.windowId))).toBe(false);
    expect((await api('GET', `/v1/windows/${daily.windowId}`)).body.version).toBe(version);

    await sweep.sweep();
    const runs = await runsOf(daily.windowId);
    expect(runs.some((run) => run.starts_at.toISOString() === '2026-11-20T09:00:00.000Z')).toBe(true);
    expect(runs.find((run) => run.starts_at >= new Date('2026-11-05T00:00:00Z'))!.starts_at.toISOString()).toBe('2026-11-05T10:00:00.000Z');
  });
});
