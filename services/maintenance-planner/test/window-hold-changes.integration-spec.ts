/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent } from '@holdfast/contracts';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { fanOutHold } from '../src/holds/hold-fanout.sql';
import { HoldsService } from '../src/holds/holds.service';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-09-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
  headers: Headers;
}

/** A window changed, started or overridden while holds come and go: what it says of itself, the trail, and the links. */
describe('maintenance-planner: windows meeting holds that change under them', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let holds: HoldsService;
  let sweep: PlannerSweep;

  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
  };
  const plan = async (region: string, startsAt: string, endsAt: string, change: Record<string, unknown> = {}) => {
    const answer = await api('POST', '/v1/windows', { title: `switch firmware in ${region}`, ownerTeam: 'network', footprint: { global: false, regions: [region] }, startsAt, endsAt, plannedZone: 'UTC', ...change });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };
  const placeHold = async (region: string, from: string, until?: string) => {
    const answer = await api('POST', '/v1/holds', { regions: [region], from, ...(until ? { until } : {}), reason: `Elections in ${region}` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const runs = async (windowId: string) => (await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items as Record<string, any>[];
  const trail = async (windowId: string) => (await api('GET', `/v1/audit?subject=${windowId}`)).body.items as { action: string; actor: string; details: Record<string, any> }[];
  const outbox = async (windowId: string) => ((await db.query('SELECT event_type FROM outbox_message WHERE message_key = $1 ORDER BY id', [windowId])) as { event_type: string }[]).map((row) => row.event_type);

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    holds = service.app.get(HoldsService);
    sweep = service.app.get(PlannerSweep);
  });

  afterAll(async () => {
    await service?.close();
  });

  it("the sweep's horizon step leaves a hold released while it waited on it released: its links stay let go, no window.held follows window.released", async () => {
    clock.set('2026-09-01T00:00:00Z');
    const window = await plan('GH', '2026-09-01T10:00:00Z', '2026-09-01T11:00:00Z');
    // Beyond the 24 hours the open-ended hold holds at first: the sweep an hour on has it to link.
    const next = await plan('GH', '2026-09-02T00:30:00Z', '2026-09-02T01:30:00Z');
    const holdId = await placeHold('GH', '2026-09-01T00:00:00Z');
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'held', heldBy: [holdId] });
    expect((await runs(next.windowId))[0]).toMatchObject({ status: 'scheduled', heldBy: [] });
    // An hour on, the open-ended hold is due to be fanned out further.
    clock.set('2026-09-01T01:00:00Z');
    const stale = await holds.get(holdId);
    let sweeping: ReturnType<PlannerSweep['sweep']> | undefined;
    await db.transaction(async (tx) => {
      expect(await holds.release(tx, stale, 'spec', 'results are in')).toBe(true);
      sweeping = sweep.sweep();
      // Until the sweep, having read the hold unreleased, waits for this release on the hold's row.
      await expectEventually(async () => {
        const [{ waiting }] = (await db.query(
          `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database() AND a.query LIKE 'UPDATE hold SET covered_until%'`,
        )) as { waiting: number }[];
        expect(waiting).toBe(1);
      });
    });
    expect(await sweeping).toMatchObject({ extended: 0 });
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'scheduled', heldBy: [] });
    expect((await api('GET', `/v1/gate?windowId=${window.windowId}`)).status).toBe(200);
    expect((await trail(window.windowId)).map((entry) => entry.action)).toEqual(['scheduled', 'held', 'released']);
    expect(await outbox(window.windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect((await runs(next.windowId))[0]).toMatchObject({ status: 'scheduled', heldBy: [] });
    expect(await outbox(next.windowId)).toEqual(['window.scheduled']);
  });

  it('an extension read before the hold was released extends nothing and holds nothing again', async () => {
    clock.set('2026-09-02T00:00:00Z');
    const window = await plan('CM', '2026-09-02T10:00:00Z', '2026-09-02T11:00:00Z');
    const holdId = await placeHold('CM', '2026-09-02T00:00:00Z', '2026-09-02T12:00:00Z');
    // What the surge consumer read, then a release committed before its update.
    const stale = await holds.get(holdId);
    expect((await api('POST', `/v1/holds/${holdId}/release`, { reason: 'calm again' })).status).toBe(200);
    const cause = createEvent(
      'surge.updated',
      {
        surgeId: stale.cause_id,
        region: 'CM',
        metric: 'requests',
        source: 'detector',
        severity: 'major',
        startedAt: '2026-09-02T00:00:00Z',
        detectedAt: '2026-09-02T00:00:05Z',
        expectedEndAt: '2026-09-03T00:00:00Z',
        evidence: { observed: 5_000, baseline: 1_000, score: 5, samples: [{ at: '2026-09-02T00:00:00Z', value: 5_000 }] },
        reason: 'requests in CM surged',
      } as never,
      { source: 'planner-spec', subject: 'CM' },
    );
    await db.transaction((tx) => holds.extend(tx, stale, new Date('2026-09-03T00:00:00Z'), { cause }));
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'scheduled', heldBy: [] });
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false, until: '2026-09-02T12:00:00.000Z' });
    expect(await outbox(window.windowId)).toEqual(['window.scheduled', 'window.held', 'window.released']);
  });

  it('a fan-out of a hold released since it was read (a window planned or changed under it meanwhile) links nothing, reviving no link its release let go', async () => {
    clock.set('2026-09-02T12:00:00Z');
    const window = await plan('TD', '2026-09-02T14:00:00Z', '2026-09-02T15:00:00Z');
    const holdId = await placeHold('TD', '2026-09-02T12:00:00Z', '2026-09-02T18:00:00Z');
    expect((await api('POST', `/v1/holds/${holdId}/release`, { reason: 'calm again' })).status).toBe(200);
    const linked = await fanOutHold(db, { holdId, regions: ['TD'], from: new Date('2026-09-02T12:00:00Z'), until: new Date('2026-09-02T18:00:00Z'), now: clock.now(), windowId: window.windowId });
    expect(linked).toEqual([]);
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'scheduled', heldBy: [] });
  });

  it('a window moved out of needs-reschedule, to its proposed slot, reads scheduled with the new run next; the run it waited with is cancelled', async () => {
    clock.set('2026-09-03T00:00:00Z');
    const window = await plan('NA', '2026-09-03T10:00:00Z', '2026-09-03T11:00:00Z');
    const holdId = await placeHold('NA', '2026-09-03T00:00:00Z', '2026-09-03T12:00:00Z');
    clock.set('2026-09-03T12:30:00Z');
    expect((await api('POST', `/v1/holds/${holdId}/release`, { reason: 'counted' })).status).toBe(200);
    const [waiting] = await runs(window.windowId);
    expect(waiting).toMatchObject({ number: 1, status: 'needs-reschedule', proposedSlot: expect.objectContaining({ startsAt: expect.any(String) }) });

    const { startsAt, endsAt } = waiting.proposedSlot;
    const moved = await api('PATCH', `/v1/windows/${window.windowId}`, { version: window.version, startsAt, endsAt });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ status: 'scheduled', nextOccurrence: { number: 2, startsAt: new Date(startsAt).toISOString(), status: 'scheduled' } });
    expect((await api('GET', `/v1/windows/${window.windowId}`)).body.status).toBe('scheduled');
    const [superseded, next] = await runs(window.windowId);
    expect(superseded).toMatchObject({ number: 1, status: 'cancelled' });
    expect(superseded.proposedSlot).toBeUndefined();
    expect(next).toMatchObject({ number: 2, status: 'scheduled' });
    expect((await trail(window.windowId)).at(-1)).toMatchObject({ action: 'updated', details: { superseded: [1] } });
    // Started by its number, the superseded run points at the runs that replaced it.
    expect(await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`)).toMatchObject({
      status: 409,
      body: {
        code: 'occurrence-not-startable',
        occurrenceStatus: 'cancelled',
        detail: `Occurrence 1 of window ${window.windowId} was cancelled when the window was moved to a new time: start one of the runs that replaced it (GET /v1/windows/${window.windowId}/occurrences).`,
      },
    });
  });

  it('a notify-only window planned under a hold is linked to it, flagged, as one the hold found', async () => {
    clock.set('2026-09-04T00:00:00Z');
    const holdId = await placeHold('LK', '2026-09-04T00:00:00Z', '2026-09-05T00:00:00Z');
    const window = await plan('LK', '2026-09-04T10:00:00Z', '2026-09-04T11:00:00Z', { surgePolicy: 'notify-only' });
    expect(window.status).toBe('scheduled');
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ heldOccurrences: 0, notifyOnlyOccurrences: 1 });
    expect(await trail(window.windowId)).toContainEqual(expect.objectContaining({ action: 'held', actor: `hold:${holdId}`, details: { holdId, occurrences: [1], runs: [{ number: 1, startsAt: '2026-09-04T10:00:00.000Z' }], kind: 'notify-only' } }));
    // A region no hold covers leaves it flagged as it was, not flagged anew.
    const wider = await api('PATCH', `/v1/windows/${window.windowId}`, { version: window.version, footprint: { global: false, regions: ['LK', 'MV'] } });
    expect(wider.status, JSON.stringify(wider.body)).toBe(200);
    expect((await trail(window.windowId)).map((entry) => entry.action)).toEqual(['scheduled', 'held', 'updated']);
  });

  it('an override of runs after the hold ends is 409 not-held and recorded nowhere; of a weekly window, only the runs within the hold are let through', async () => {
    clock.set('2026-09-05T00:00:00Z');
    const later = await plan('BD', '2026-09-26T10:00:00Z', '2026-09-26T11:00:00Z');
    const weekly = await plan('BD', '2026-09-06T10:00:00Z', '2026-09-06T11:00:00Z', { recurrence: 'FREQ=WEEKLY;COUNT=4' });
    const holdId = await placeHold('BD', '2026-09-05T00:00:00Z', '2026-09-12T00:00:00Z');

    const refused = await api('POST', `/v1/windows/${later.windowId}/override`, { reason: 'the vendor is only on site then' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.code).toBe('not-held');
    expect((await trail(later.windowId)).map((entry) => entry.action)).toEqual(['scheduled']);
    expect(await outbox(later.windowId)).toEqual(['window.scheduled']);
    expect(await db.query('SELECT 1 FROM hold_occurrence WHERE window_id = $1', [later.windowId])).toEqual([]);

    const through = await api('POST', `/v1/windows/${weekly.windowId}/override`, { reason: 'security patch' });
    expect(through.status, JSON.stringify(through.body)).toBe(200);
    expect(through.body.overridden).toEqual([holdId]);
    const overridden = (await db.query('SELECT number FROM hold_occurrence WHERE window_id = $1 AND overridden_by IS NOT NULL ORDER BY number', [weekly.windowId])) as { number: number }[];
    expect(overridden.map((link) => link.number)).toEqual([1]);
  });

  it('a window moved out of its hold is on the audit trail as released by it', async () => {
    clock.set('2026-09-07T00:00:00Z');
    const window = await plan('MM', '2026-09-07T10:00:00Z', '2026-09-07T11:00:00Z');
    const holdId = await placeHold('MM', '2026-09-07T00:00:00Z', '2026-09-07T12:00:00Z');
    const moved = await api('PATCH', `/v1/windows/${window.windowId}`, { version: window.version, startsAt: '2026-09-08T10:00:00Z', endsAt: '2026-09-08T11:00:00Z' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.status).toBe('scheduled');
    const entries = await trail(window.windowId);
    expect(entries.map((entry) => entry.action)).toEqual(['scheduled', 'held', 'released', 'updated']);
    expect(entries[2]).toMatchObject({ actor: `hold:${holdId}`, details: { occurrences: [1], runs: [{ number: 1, startsAt: '2026-09-07T10:00:00.000Z' }], kind: 'held' } });
  });

  it('a window changed within its hold is not released on the trail for the runs the hold links again', async () => {
    clock.set('2026-09-09T00:00:00Z');
    const window = await plan('KH', '2026-09-09T10:00:00Z', '2026-09-09T11:00:00Z');
    const holdId = await placeHold('KH', '2026-09-09T00:00:00Z', '2026-09-09T12:00:00Z');
    const flagged = await api('PATCH', `/v1/windows/${window.windowId}`, { version: window.version, surgePolicy: 'notify-only' });
    expect(flagged.status, JSON.stringify(flagged.body)).toBe(200);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ heldOccurrences: 0, notifyOnlyOccurrences: 1 });
    expect((await trail(window.windowId)).map((entry) => entry.action)).toEqual(['scheduled', 'held', 'held', 'updated']);
  });

  it('a change that keeps a held run at its start and end leaves its link as it was: held since, off the trail, not announced again', async () => {
    clock.set('2026-11-01T00:00:00Z');
    const daily = await plan('UG', '2026-11-01T10:00:00Z', '2026-11-01T11:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=4' });
    const holdId = await placeHold('UG', '2026-11-01T08:00:00Z', '2026-11-01T12:00:00Z');
    // The runs the hold holds, by their start, with when it began to hold each.
    const heldSince = async () =>
      ((await db.query(
        `SELECT o.starts_at, l.held_at FROM hold_occurrence l JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number
          WHERE l.window_id = $1 AND l.hold_id = $2 AND l.released_at IS NULL ORDER BY o.starts_at`,
        [daily.windowId, holdId],
      )) as { starts_at: Date; held_at: Date }[]).map((link) => [link.starts_at.toISOString(), link.held_at.toISOString()]);
    const holdEvents = async () => ((await db.query(`SELECT event_type FROM outbox_message WHERE payload->>'holdId' = $1 ORDER BY id`, [holdId])) as { event_type: string }[]).map((row) => row.event_type);
    expect(await heldSince()).toEqual([['2026-11-01T10:00:00.000Z', '2026-11-01T00:00:00.000Z']]);
    const announced = await holdEvents();

    // A region no hold covers, then a run at 06:00 each day too (a new plan: the 10:00 runs numbered anew): the held run keeps its times and its hold.
    clock.set('2026-11-01T01:00:00Z');
    const wider = await api('PATCH', `/v1/windows/${daily.windowId}`, { version: daily.version, footprint: { global: false, regions: ['UG', 'RW'] } });
    expect(wider.status, JSON.stringify(wider.body)).toBe(200);
    const twice = await api('PATCH', `/v1/windows/${daily.windowId}`, {
      version: wider.body.version,
      startsAt: '2026-11-01T06:00:00Z',
      endsAt: '2026-11-01T07:00:00Z',
      recurrence: 'FREQ=DAILY;BYHOUR=6,10;COUNT=8',
    });
    expect(twice.status, JSON.stringify(twice.body)).toBe(200);
    expect((await runs(daily.windowId)).filter((run) => run.status === 'held').map((run) => [run.number, run.startsAt, run.heldBy])).toEqual([[2, '2026-11-01T10:00:00.000Z', [holdId]]]);
    expect(await heldSince()).toEqual([['2026-11-01T10:00:00.000Z', '2026-11-01T00:00:00.000Z']]);
    expect((await trail(daily.windowId)).map((entry) => entry.action)).toEqual(['scheduled', 'held', 'updated', 'updated']);
    expect(await outbox(daily.windowId)).toEqual(['window.scheduled', 'window.held', 'window.updated', 'window.updated']);
    expect(await holdEvents()).toEqual(announced);

    // The 10:00 runs dropped, the held one leaves the hold: that alone is on the trail.
    const early = await api('PATCH', `/v1/windows/${daily.windowId}`, { version: twice.body.version, recurrence: 'FREQ=DAILY;COUNT=4' });
    expect(early.status, JSON.stringify(early.body)).toBe(200);
    expect(await heldSince()).toEqual([]);
    const entries = await trail(daily.windowId);
    expect(entries.map((entry) => entry.action)).toEqual(['scheduled', 'held', 'updated', 'updated', 'released', 'updated']);
    // Named by the start it had: the new plan's run 2 is the second day's at 06:00.
    expect(entries[4]).toMatchObject({ actor: `hold:${holdId}`, details: { holdId, occurrences: [2], runs: [{ number: 2, startsAt: '2026-11-01T10:00:00.000Z' }], kind: 'held' } });
    expect(await outbox(daily.windowId)).toEqual(['window.scheduled', 'window.held', 'window.updated', 'window.updated', 'window.updated']);
  });

  it('runs moved to other times within their hold are released on the trail as they were, though the runs let through there take their numbers', async () => {
    clock.set('2026-11-05T00:00:00Z');
    const daily = await plan('BI', '2026-11-05T10:00:00Z', '2026-11-05T11:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=2' });
    const holdId = await placeHold('BI', '2026-11-05T00:00:00Z', '2026-11-07T00:00:00Z');
    const earlier = await api('PATCH', `/v1/windows/${daily.windowId}`, {
      version: daily.version,
      startsAt: '2026-11-05T04:00:00Z',
      endsAt: '2026-11-05T05:00:00Z',
      override: { reason: 'the vendor is there at dawn' },
    });
    expect(earlier.status, JSON.stringify(earlier.body)).toBe(200);
    expect((await runs(daily.windowId)).map((run) => [run.number, run.startsAt, run.status])).toEqual([
      [1, '2026-11-05T04:00:00.000Z', 'scheduled'],
      [2, '2026-11-06T04:00:00.000Z', 'scheduled'],
    ]);
    const entries = await trail(daily.windowId);
    expect(entries.map((entry) => entry.action)).toEqual(['scheduled', 'held', 'overridden', 'overridden', 'released', 'updated']);
    expect(entries[4]).toMatchObject({
      actor: `hold:${holdId}`,
      details: { holdId, occurrences: [1, 2], runs: [{ number: 1, startsAt: '2026-11-05T10:00:00.000Z' }, { number: 2, startsAt: '2026-11-06T10:00:00.000Z' }] },
    });
  });

  it('starting a run held by a hold that begins later within it answers 423 with that hold and Retry-After, as the gate does', async () => {
    clock.set('2026-09-10T10:00:00Z');
    const window = await plan('PG', '2026-09-10T10:00:00Z', '2026-09-10T12:00:00Z');
    const holdId = await placeHold('PG', '2026-09-10T11:00:00Z', '2026-09-10T13:00:00Z');
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'held', heldBy: [holdId] });
    expect((await api('GET', `/v1/gate?windowId=${window.windowId}`)).body).toMatchObject({ code: 'held', holds: [{ id: holdId }], retryAfterSeconds: 3 * 3600 });

    const refused = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`);
    expect(refused.status, JSON.stringify(refused.body)).toBe(423);
    expect(refused.body).toMatchObject({
      code: 'held',
      holdCount: 1,
      holds: [{ id: holdId, regions: ['PG'], reason: 'Elections in PG', source: 'manual', from: '2026-09-10T11:00:00.000Z', until: '2026-09-10T13:00:00.000Z' }],
      retryAfterSeconds: 3 * 3600,
    });
    expect(refused.headers.get('retry-after')).toBe(String(3 * 3600));
    expect((await runs(window.windowId))[0].status).toBe('held');
  });

  it("tells a window planned into a declared critical period's hold when the hold ends, the period's end and the cool-down after it, not that it has no end", async () => {
    clock.set('2026-09-05T00:00:00Z');
    await db.transaction((tx) =>
      holds.place(tx, { source: 'declaration', causeId: '01a23f00-0000-7000-8000-0000000000d1', regions: ['MN'], reason: 'Election in MN', from: new Date('2026-09-05T00:00:00Z'), until: new Date('2026-09-06T00:00:00Z'), placedBy: 'spec' }),
    );
    const refused = await api('POST', '/v1/windows', { title: 'switch firmware in MN', ownerTeam: 'network', footprint: { global: false, regions: ['MN'] }, startsAt: '2026-09-05T10:00:00Z', endsAt: '2026-09-05T11:00:00Z', plannedZone: 'UTC' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain(
      'Plan it for after 2026-09-06T00:30:00.000Z, when the hold ends, a 30-minute cool-down (HOLD_COOLDOWN_MINUTES) after its declared critical period ends at 2026-09-06T00:00:00.000Z (GET /v1/gate?regions=MN answers 200 once nothing holds MN)',
    );
  });

  it('an overridden window changes its footprint, policy or dropped dates without being refused for the hold it was let through', async () => {
    clock.set('2026-09-11T00:00:00Z');
    await placeHold('NP', '2026-09-11T00:00:00Z', '2026-09-14T00:00:00Z');
    const once = await plan('NP', '2026-09-11T10:00:00Z', '2026-09-11T11:00:00Z', { override: { reason: 'the certificate expires today' } });
    const widened = await api('PATCH', `/v1/windows/${once.windowId}`, { version: once.version, footprint: { global: false, regions: ['NP', 'BT'] } });
    expect(widened.status, JSON.stringify(widened.body)).toBe(200);
    const flagged = await api('PATCH', `/v1/windows/${once.windowId}`, { version: widened.body.version, surgePolicy: 'notify-only' });
    expect(flagged.status, JSON.stringify(flagged.body)).toBe(200);
    const holding = await api('PATCH', `/v1/windows/${once.windowId}`, { version: flagged.body.version, surgePolicy: 'hold' });
    expect(holding.status, JSON.stringify(holding.body)).toBe(200);
    expect(holding.body.status).toBe('scheduled');

    const daily = await plan('NP', '2026-09-11T12:00:00Z', '2026-09-11T13:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=5', override: { reason: 'log volume cannot wait' } });
    const dropped = await api('PATCH', `/v1/windows/${daily.windowId}`, { version: daily.version, exdates: ['2026-09-15T12:00'] });
    expect(dropped.status, JSON.stringify(dropped.body)).toBe(200);
    expect((await runs(daily.windowId)).map((run) => [run.startsAt.slice(0, 10), run.status, run.heldBy])).toEqual([
      ['2026-09-11', 'scheduled', []],
      ['2026-09-12', 'scheduled', []],
      ['2026-09-13', 'scheduled', []],
      ['2026-09-14', 'scheduled', []],
      ['2026-09-15', 'cancelled', []],
    ]);
    // Moved to other times within the hold, its runs need an override again.
    const moved = await api('PATCH', `/v1/windows/${daily.windowId}`, { version: dropped.body.version, startsAt: '2026-09-11T14:00:00Z', endsAt: '2026-09-11T15:00:00Z', exdates: ['2026-09-15T14:00'] });
    expect(moved).toMatchObject({ status: 409, body: { code: 'window-in-hold' } });
    // A window that exists is pointed to its own suggestions.
    expect(moved.body.detail).toContain(`Pick another time (GET /v1/windows/${daily.windowId}/suggestions), or send override: {reason}.`);
  });

  it('a run let through a hold leaves it, override and all, when an exdate cancels it or the footprint leaves the hold\'s region', async () => {
    clock.set('2026-09-20T00:00:00Z');
    const holdId = await placeHold('ML', '2026-09-20T00:00:00Z', '2026-09-24T00:00:00Z');
    const hold = async () => (await api('GET', `/v1/holds/${holdId}`)).body;
    const daily = await plan('ML', '2026-09-20T10:00:00Z', '2026-09-20T11:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=5', override: { reason: 'the backup cannot wait' } });
    expect((await hold()).heldOccurrences).toBe(4);

    const dropped = await api('PATCH', `/v1/windows/${daily.windowId}`, { version: daily.version, exdates: ['2026-09-21T10:00'] });
    expect(dropped.status, JSON.stringify(dropped.body)).toBe(200);
    expect((await trail(daily.windowId)).filter((entry) => entry.action === 'released').map((entry) => entry.details.occurrences)).toEqual([[2]]);
    expect((await hold()).heldOccurrences).toBe(3);
    expect(((await hold()).overrides as { occurrence: number }[]).map((override) => override.occurrence).sort()).toEqual([1, 3, 4]);

    // Brought back, it is a run planned into the hold again: its old override went with it.
    const back = await api('PATCH', `/v1/windows/${daily.windowId}`, { version: dropped.body.version, exdates: [] });
    expect(back).toMatchObject({ status: 409, body: { code: 'window-in-hold' } });
    const overridden = await api('PATCH', `/v1/windows/${daily.windowId}`, { version: dropped.body.version, exdates: [], override: { reason: 'needed after all' } });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    expect((await hold()).heldOccurrences).toBe(4);

    const once = await plan('ML', '2026-09-22T10:00:00Z', '2026-09-22T11:00:00Z', { override: { reason: 'the certificate expires' } });
    expect((await hold()).heldOccurrences).toBe(5);
    const elsewhere = await api('PATCH', `/v1/windows/${once.windowId}`, { version: once.version, footprint: { global: false, regions: ['SN'] } });
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(200);
    expect((await hold()).heldOccurrences).toBe(4);
    expect(elsewhere.body.status).toBe('scheduled');
    expect((await trail(once.windowId)).filter((entry) => entry.action === 'released').map((entry) => entry.actor)).toEqual([`hold:${holdId}`]);
  });

  it("an override sent with a change of footprint, policy or times is on the trail for each run it lets through, and a run let through before keeps its own override", async () => {
    // A window's overridden entries, or a hold's for that window.
    const overrides = async (subject: string, windowId = subject) =>
      (await trail(subject)).filter((entry) => entry.action === 'overridden' && (entry.details.windowId ?? windowId) === windowId).map((entry) => [entry.details.occurrence, entry.details.reason]);
    const letThrough = async (holdId: string, windowId: string) =>
      ((await api('GET', `/v1/holds/${holdId}`)).body.overrides as Record<string, any>[]).filter((override) => override.windowId === windowId).map((override) => [override.occurrence, override.reason, override.overriddenAt]);
    clock.set('2026-10-01T00:00:00Z');
    const widened = await plan('GE', '2026-10-01T10:00:00Z', '2026-10-01T11:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=3' });
    const lengthened = await plan('GE', '2026-10-01T12:00:00Z', '2026-10-01T13:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=3' });
    const holding = await plan('GE', '2026-10-01T14:00:00Z', '2026-10-01T15:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=3' });
    const holdId = await placeHold('GE', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    // Holding none of them until a footprint takes AM in.
    const armenia = await placeHold('AM', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    for (const window of [widened, lengthened, holding]) expect(await api('POST', `/v1/windows/${window.windowId}/override`, { reason: 'the certificate expires', occurrence: 1 })).toMatchObject({ status: 200 });
    const flagged = await api('PATCH', `/v1/windows/${holding.windowId}`, { version: holding.version, surgePolicy: 'notify-only' });
    expect(flagged.status, JSON.stringify(flagged.body)).toBe(200);

    clock.set('2026-10-01T01:00:00Z');
    const footprint = await api('PATCH', `/v1/windows/${widened.windowId}`, { version: widened.version, footprint: { global: false, regions: ['GE', 'AM'] }, override: { reason: 'the firewall goes with it' } });
    expect(footprint.status, JSON.stringify(footprint.body)).toBe(200);
    const times = await api('PATCH', `/v1/windows/${lengthened.windowId}`, { version: lengthened.version, recurrence: 'FREQ=DAILY;COUNT=4', override: { reason: 'one more night of it' } });
    expect(times.status, JSON.stringify(times.body)).toBe(200);
    const policy = await api('PATCH', `/v1/windows/${holding.windowId}`, { version: flagged.body.version, surgePolicy: 'hold', override: { reason: 'the patch is urgent after all' } });
    expect(policy.status, JSON.stringify(policy.body)).toBe(200);

    // Each lets through the runs it brought into a hold: the widened window's into AM's, the lengthened one's new run, the notify-only one's flagged runs.
    for (const [window, hold, reason, runs] of [
      [widened, armenia, 'the firewall goes with it', [1, 2, 3]],
      [lengthened, holdId, 'one more night of it', [4]],
      [holding, holdId, 'the patch is urgent after all', [2, 3]],
    ] as const) {
      const later = runs.map((number) => [number, reason]);
      const before = hold === holdId ? [[1, 'the certificate expires']] : [];
      expect(await overrides(window.windowId)).toEqual([[1, 'the certificate expires'], ...later]);
      expect(await overrides(hold, window.windowId)).toEqual([...before, ...later]);
      expect(await letThrough(hold, window.windowId)).toEqual([...before.map((entry) => [...entry, '2026-10-01T00:00:00.000Z']), ...runs.map((number) => [number, reason, '2026-10-01T01:00:00.000Z'])]);
    }
    // The runs GE's hold held before the change, at the times it kept, it holds still.
    for (const window of [widened, lengthened]) expect((await runs(window.windowId)).map((run) => run.heldBy)).toEqual([[], [holdId], [holdId], ...(window === lengthened ? [[]] : [])]);
    // The window notify-only no more: its runs are the hold's held runs (let through), not flagged ones.
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ heldOccurrences: 10, notifyOnlyOccurrences: 0 });
  });

  it('a window planned while a hold commits waits for it, then is refused as planned into that hold, not left neither refused nor held', async () => {
    clock.set('2026-09-20T00:00:00Z');
    let planning: Promise<Answer> | undefined;
    const placed = await db.transaction(async (tx) => {
      const hold = await holds.place(tx, { source: 'manual', causeId: '01a23f00-0000-7000-8000-000000000001', regions: ['UY'], reason: 'Elections in UY', from: new Date('2026-09-20T00:00:00Z'), until: null, placedBy: 'spec' });
      planning = api('POST', '/v1/windows', { title: 'switch firmware in UY', ownerTeam: 'network', footprint: { global: false, regions: ['UY'] }, startsAt: '2026-09-20T10:00:00Z', endsAt: '2026-09-20T11:00:00Z', plannedZone: 'UTC' });
      // Until the window's transaction waits for the hold's on the hold set's lock.
      await expectEventually(async () => {
        const [{ waiting }] = (await db.query(
          `SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND l.locktype = 'advisory' AND a.datname = current_database()`,
        )) as { waiting: number }[];
        expect(waiting).toBe(1);
      });
      return hold!;
    });
    expect(await planning).toMatchObject({ status: 409, body: { code: 'window-in-hold' } });
    expect(JSON.stringify((await planning!).body)).toContain(placed.id);
  });

  it('a change that lets go of a run whose time began while held gives it a new slot (or moves it), as a release after its start does, not left to be missed', async () => {
    clock.set('2026-09-25T10:00:00Z');
    const both = { footprint: { global: false, regions: ['ZA', 'ZW'] } };
    const flexibility = { earliestStartAt: '2026-09-25T10:00:00Z', deadlineAt: '2026-09-26T10:00:00Z' };
    const proposed = await plan('ZA', '2026-09-25T10:05:00Z', '2026-09-25T10:15:00Z', { ...both, flexibility });
    const moving = await plan('ZA', '2026-09-25T10:05:00Z', '2026-09-25T10:15:00Z', { ...both, flexibility: { ...flexibility, autoMove: true } });
    const exempted = await plan('ZA', '2026-09-25T10:05:00Z', '2026-09-25T10:15:00Z', { flexibility });
    const ahead = await plan('ZA', '2026-09-25T11:00:00Z', '2026-09-25T11:10:00Z', both);
    const holdId = await placeHold('ZA', '2026-09-25T10:00:00Z', '2026-09-25T12:00:00Z');
    for (const window of [proposed, moving, exempted, ahead]) expect((await runs(window.windowId))[0]).toMatchObject({ status: 'held', heldBy: [holdId] });

    // Two minutes past their start, ZA leaves the footprint (or surges no longer hold the window).
    clock.set('2026-09-25T10:07:00Z');
    const dropZa = async (window: Record<string, any>, change: Record<string, unknown> = { footprint: { global: false, regions: ['ZW'] } }) => {
      const answer = await api('PATCH', `/v1/windows/${window.windowId}`, { version: window.version, ...change });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer.body;
    };
    expect(await dropZa(proposed)).toMatchObject({ status: 'needs-reschedule', nextOccurrence: { status: 'needs-reschedule', proposedSlot: expect.any(Object) } });
    const [late] = await runs(proposed.windowId);
    expect(Date.parse(late.proposedSlot.startsAt)).toBeGreaterThanOrEqual(clock.nowMs());
    expect(await dropZa(exempted, { surgePolicy: 'exempt' })).toMatchObject({ status: 'needs-reschedule' });
    await dropZa(moving);
    const [moved] = await runs(moving.windowId);
    expect(moved.status).toBe('scheduled');
    expect(Date.parse(moved.startsAt)).toBeGreaterThanOrEqual(clock.nowMs());
    expect(await outbox(moving.windowId)).toEqual(['window.scheduled', 'window.held', 'window.updated', 'window.rescheduled']);
    // A run still ahead goes back to scheduled, as on a release.
    expect(await dropZa(ahead)).toMatchObject({ status: 'scheduled', nextOccurrence: { status: 'scheduled', startsAt: '2026-09-25T11:00:00.000Z' } });
    expect((await runs(ahead.windowId))[0].proposedSlot).toBeUndefined();

    // Its planned time over, the run waiting for its new slot is not marked missed.
    clock.set('2026-09-25T10:16:00Z');
    await sweep.sweep();
    expect((await runs(proposed.windowId))[0].status).toBe('needs-reschedule');
    expect((await runs(exempted.windowId))[0].status).toBe('needs-reschedule');
  });

  it("refuses a run a manual hold held past its start once the hold's period is over, before the sweep releases it, as the gate says: it waits for a new slot; started by its number after the sweep, it runs anyway", async () => {
    clock.set('2026-09-27T10:00:00Z');
    const window = await plan('ZM', '2026-09-27T10:30:00Z', '2026-09-27T12:00:00Z');
    const holdId = await placeHold('ZM', '2026-09-27T10:00:00Z', '2026-09-27T11:00:00Z');
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'held', heldBy: [holdId] });
    clock.set('2026-09-27T10:59:00Z');
    expect(await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`)).toMatchObject({ status: 423, body: { code: 'held', holds: [{ id: holdId }] } });
    clock.set('2026-09-27T11:05:00Z');
    expect(await api('GET', `/v1/gate?windowId=${window.windowId}`)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, proposedSlot: null } } });
    expect(await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot' } });
    await sweep.sweep();
    expect(await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`)).toMatchObject({ status: 200, body: { status: 'in-progress' } });
  });

  it("a change after a cleared surge's hold is due for release, before the sweep releases it, leaves a run that starts after that due time scheduled, as the gate lets it start", async () => {
    clock.set('2026-09-26T10:00:00Z');
    const window = await plan('ZA', '2026-09-26T10:30:00Z', '2026-09-26T10:40:00Z', { footprint: { global: false, regions: ['ZA', 'ZW'] } });
    const holdId = await placeHold('ZA', '2026-09-26T10:00:00Z', '2026-09-26T12:00:00Z');
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'held', heldBy: [holdId] });
    // As a surge's hold reads once the surge cleared at 10:10: its release due after a ten-minute cool-down, not yet swept.
    await db.query(`UPDATE hold SET source = 'detector', until_at = '2026-09-26T10:10:00Z', cleared_at = '2026-09-26T10:10:00Z', release_due_at = '2026-09-26T10:20:00Z' WHERE id = $1`, [holdId]);

    clock.set('2026-09-26T10:32:00Z');
    expect((await api('GET', `/v1/gate?windowId=${window.windowId}`)).status).toBe(200);
    const changed = await api('PATCH', `/v1/windows/${window.windowId}`, { version: window.version, footprint: { global: false, regions: ['ZA', 'ZW', 'MZ'] } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await runs(window.windowId))[0]).toMatchObject({ status: 'scheduled', heldBy: [] });
    expect((await runs(window.windowId))[0].proposedSlot).toBeUndefined();
  });

  it('a change that keeps held runs at their times is not refused for their hold, and its override lets through only the runs it brings into a hold', async () => {
    clock.set('2026-10-10T00:00:00Z');
    const daily = await plan('PT', '2026-10-10T10:00:00Z', '2026-10-10T11:00:00Z', { recurrence: 'FREQ=DAILY;COUNT=5' });
    const portugal = await placeHold('PT', '2026-10-12T00:00:00Z', '2026-10-14T00:00:00Z');
    const change = async (version: number, body: Record<string, unknown>) => api('PATCH', `/v1/windows/${daily.windowId}`, { version, ...body });
    const overridesOf = async (holdId: string) =>
      ((await api('GET', `/v1/holds/${holdId}`)).body.overrides as Record<string, any>[]).filter((override) => override.windowId === daily.windowId).map((override) => [override.occurrence, override.reason]);

    // One more run on a day no hold covers, then one more region no hold covers: the runs of the 12th and 13th stay held as they were.
    const longer = await change(daily.version, { recurrence: 'FREQ=DAILY;COUNT=6' });
    expect(longer.status, JSON.stringify(longer.body)).toBe(200);
    const wider = await change(longer.body.version, { footprint: { global: false, regions: ['PT', 'MA'] }, override: { reason: 'the Rabat link goes with it' } });
    expect(wider.status, JSON.stringify(wider.body)).toBe(200);
    expect(wider.body.status).toBe('held');
    expect(await overridesOf(portugal)).toEqual([]);

    // A run the change brings into a hold is refused for that hold alone, and an override lets that run alone through it.
    const morocco = await placeHold('MA', '2026-10-15T00:00:00Z', '2026-10-17T00:00:00Z');
    const intoMorocco = await change(wider.body.version, { recurrence: 'FREQ=DAILY;COUNT=7' });
    expect(intoMorocco).toMatchObject({ status: 409, body: { code: 'window-in-hold' } });
    expect((intoMorocco.body.holds as { id: string }[]).map((hold) => hold.id)).toEqual([morocco]);
    const overridden = await change(wider.body.version, { recurrence: 'FREQ=DAILY;COUNT=7', override: { reason: 'the last night is the only one free' } });
    expect(overridden.status, JSON.stringify(overridden.body)).toBe(200);
    expect((await runs(daily.windowId)).map((run) => [run.number, run.startsAt.slice(0, 10), run.status, run.heldBy])).toEqual([
      [1, '2026-10-10', 'scheduled', []],
      [2, '2026-10-11', 'scheduled', []],
      [3, '2026-10-12', 'held', [portugal]],
      [4, '2026-10-13', 'held', [portugal]],
      [5, '2026-10-14', 'scheduled', []],
      [6, '2026-10-15', 'held', [morocco]],
      [7, '2026-10-16', 'scheduled', []],
    ]);
    expect(await overridesOf(portugal)).toEqual([]);
    expect(await overridesOf(morocco)).toEqual([[7, 'the last night is the only one free']]);
    expect((await trail(daily.windowId)).filter((entry) => entry.action === 'overridden').map((entry) => [entry.details.holdId, entry.details.occurrence])).toEqual([[morocco, 7]]);
  });

  it("an override's trail entries name each run by its number and its start, which still tells the run after a change renumbers them", async () => {
    clock.set('2026-10-20T00:00:00Z');
    const weekly = await plan('KE', '2026-10-20T10:00:00Z', '2026-10-20T11:00:00Z', { recurrence: 'FREQ=WEEKLY;BYDAY=TU;COUNT=4' });
    const holdId = await placeHold('KE', '2026-10-20T00:00:00Z', '2026-11-20T00:00:00Z');
    expect(await api('POST', `/v1/windows/${weekly.windowId}/override`, { reason: 'the vendor comes on the 3rd', occurrence: 3 })).toMatchObject({ status: 200 });
    expect(await api('POST', `/v1/windows/${weekly.windowId}/override`, { reason: 'the vendor comes on the 27th', occurrence: 2 })).toMatchObject({ status: 200 });
    // Tuesdays and Thursdays: the Tuesdays keep their times under new numbers, the Thursdays are new runs in the hold.
    const twice = await api('PATCH', `/v1/windows/${weekly.windowId}`, { version: weekly.version, recurrence: 'FREQ=WEEKLY;BYDAY=TU,TH;COUNT=8', override: { reason: 'twice a week until it is done' } });
    expect(twice.status, JSON.stringify(twice.body)).toBe(200);

    const named = [
      ['the vendor comes on the 3rd', 3, '2026-11-03T10:00:00.000Z'],
      ['the vendor comes on the 27th', 2, '2026-10-27T10:00:00.000Z'],
      ['twice a week until it is done', 2, '2026-10-22T10:00:00.000Z'],
      ['twice a week until it is done', 4, '2026-10-29T10:00:00.000Z'],
      ['twice a week until it is done', 6, '2026-11-05T10:00:00.000Z'],
      ['twice a week until it is done', 8, '2026-11-12T10:00:00.000Z'],
    ];
    const overridden = (entries: Awaited<ReturnType<typeof trail>>) => entries.filter((entry) => entry.action === 'overridden').map((entry) => [entry.details.reason, entry.details.occurrence, entry.details.startsAt]);
    expect(overridden(await trail(weekly.windowId))).toEqual(named);
    expect(overridden(await trail(holdId))).toEqual(named);
    // The numbers the change's entries give are the runs' numbers after it.
    const after = await runs(weekly.windowId);
    for (const [, number, startsAt] of named.slice(2)) expect(after.find((run) => run.number === number)).toMatchObject({ startsAt, status: 'scheduled', heldBy: [] });
    expect(after.map((run) => [run.number, run.startsAt.slice(0, 10), run.status])).toEqual([
      [1, '2026-10-20', 'held'],
      [2, '2026-10-22', 'scheduled'],
      [3, '2026-10-27', 'scheduled'],
      [4, '2026-10-29', 'scheduled'],
      [5, '2026-11-03', 'scheduled'],
      [6, '2026-11-05', 'scheduled'],
      [7, '2026-11-10', 'held'],
      [8, '2026-11-12', 'scheduled'],
    ]);
  });
});
