/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { Topics } from '@holdfast/contracts';
import { createKafka, physicalTopic, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';
import { WindowsService } from '../src/windows/windows.service';

const clock = new ManualClock('2026-07-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
  headers: Headers;
}

describe('maintenance-planner: an occurrence started, completed, cancelled, and repaired by the sweep', () => {
  let service: ServiceUnderTest;
  let windowEvents: TopicRecorder;
  let sweep: PlannerSweep;
  let db: DataSource;

  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
  };
  const plan = async (region: string, startsAt: string, endsAt: string) => {
    const answer = await api('POST', '/v1/windows', { title: `kernel patch in ${region}`, ownerTeam: 'compute', footprint: { global: false, regions: [region] }, startsAt, endsAt, plannedZone: 'UTC' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  };
  const occurrence = async (windowId: string) => ((await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items as Record<string, any>[])[0];
  const listed = async (query: string) => ((await api('GET', `/v1/windows?${query}`)).body.items as { windowId: string }[]).map((window) => window.windowId);
  const windowEventsOf = (windowId: string) => windowEvents.messages.filter((message) => message.key === windowId).map((message) => ({ type: message.headers.ce_type, data: JSON.parse(message.value) }));

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    windowEvents = await recordTopic(createKafka(service.config.kafka, silentLogger), physicalTopic(service.config.kafka, Topics.maintenanceWindows), `${service.config.kafka.topicPrefix}window-reader`);
    sweep = service.app.get(PlannerSweep);
    db = service.app.get(DataSource);
  });

  afterAll(async () => {
    await windowEvents?.stop();
    await service?.close();
  });

  it('refuses to start a held occurrence with 423 naming the hold, then starts and completes it once the hold is released', async () => {
    clock.set('2026-07-01T00:00:00Z');
    const window = await plan('KE', '2026-07-01T10:00:00Z', '2026-07-01T11:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['KE'], from: '2026-07-01T00:00:00Z', until: '2026-07-01T12:00:00Z', reason: 'Exams in KE' });
    expect(hold.status).toBe(201);
    expect((await api('GET', `/v1/windows/${window.windowId}`)).body.status).toBe('held');
    expect(await listed('status=held')).toContain(window.windowId);

    clock.set('2026-07-01T10:00:00Z');
    const refused = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`);
    expect(refused.status).toBe(423);
    expect(refused.body).toMatchObject({ code: 'held', holdCount: 1, holds: [{ id: hold.body.id, regions: ['KE'], reason: 'Exams in KE', source: 'manual' }] });
    expect(refused.headers.get('retry-after')).toBe(String(2 * 3600));
    expect((await occurrence(window.windowId)).status).toBe('held');
    const early = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/complete`);
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('occurrence-not-in-progress');

    // Released while the occurrence's time has begun: it needs a new slot, and it may still start (the gate lets it).
    await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'exams over' });
    expect(await listed('status=held')).not.toContain(window.windowId);
    const started = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`);
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ number: 1, status: 'in-progress' });
    expect((await api('GET', `/v1/windows/${window.windowId}`)).body.status).toBe('in-progress');
    expect((await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`)).body.code).toBe('occurrence-not-startable');

    clock.set('2026-07-01T10:40:00Z');
    const completed = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/complete`);
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({ number: 1, status: 'completed' });
    expect((await api('GET', `/v1/windows/${window.windowId}`)).body.status).toBe('completed');
    // Completed is not missed: the sweep after its end leaves it as it is.
    clock.set('2026-07-01T12:00:00Z');
    await sweep.sweep();
    expect((await occurrence(window.windowId)).status).toBe('completed');
    await expectEventually(() =>
      expect(windowEventsOf(window.windowId).filter((event) => event.type === 'window.started' || event.type === 'window.completed')).toEqual([
        { type: 'window.started', data: expect.objectContaining({ status: 'in-progress', startedAt: '2026-07-01T10:00:00.000Z', occurrenceNumber: 1 }) },
        { type: 'window.completed', data: expect.objectContaining({ status: 'completed', completedAt: '2026-07-01T10:40:00.000Z', occurrenceNumber: 1 }) },
      ]),
    );
    const audit = await api('GET', `/v1/audit?subject=${window.windowId}`);
    expect(audit.body.items.map((entry: { action: string }) => entry.action)).toEqual(expect.arrayContaining(['started', 'completed']));
  });

  it('cancels a held window at its current version: every occurrence cancelled, let go by the hold, and not brought back by its release', async () => {
    clock.set('2026-07-02T00:00:00Z');
    const window = await plan('EG', '2026-07-02T10:00:00Z', '2026-07-02T11:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['EG'], from: '2026-07-02T00:00:00Z', until: '2026-07-02T12:00:00Z', reason: 'Match day in EG' });
    expect((await occurrence(window.windowId)).heldBy).toEqual([hold.body.id]);

    const stale = await api('POST', `/v1/windows/${window.windowId}/cancel`, { reason: 'not needed', version: window.version + 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'stale-version', currentVersion: window.version });
    const cancelled = await api('POST', `/v1/windows/${window.windowId}/cancel`, { reason: 'not needed', version: window.version });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ windowId: window.windowId, status: 'cancelled', version: window.version + 1 });
    expect(await occurrence(window.windowId)).toMatchObject({ status: 'cancelled', heldBy: [] });
    expect(await listed('status=cancelled')).toContain(window.windowId);
    // Cancelling again answers the same, also a retry at the version the cancel was sent with (its answer
    // lost to a timeout): the cancel happened, a 409 would say it did not. A cancelled window is not changed or started any more.
    expect((await api('POST', `/v1/windows/${window.windowId}/cancel`, { reason: 'again' })).body).toMatchObject({ status: 'cancelled', version: window.version + 1 });
    const retried = await api('POST', `/v1/windows/${window.windowId}/cancel`, { reason: 'not needed', version: window.version });
    expect(retried).toMatchObject({ status: 200, body: { windowId: window.windowId, status: 'cancelled', version: window.version + 1 } });
    const retriedByHeader = await service.fetch(`/v1/windows/${window.windowId}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'if-match': `"${window.version}"` },
      body: JSON.stringify({ reason: 'not needed' }),
    });
    expect(retriedByHeader.status).toBe(200);
    expect(await retriedByHeader.json()).toMatchObject({ status: 'cancelled', version: window.version + 1 });
    const audit = await api('GET', `/v1/audit?subject=${window.windowId}`);
    expect(audit.body.items.filter((entry: { action: string }) => entry.action === 'cancelled')).toHaveLength(1);
    expect((await api('PATCH', `/v1/windows/${window.windowId}`, { version: window.version + 1, title: 'back' })).body.code).toBe('window-cancelled');

    await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'match over' });
    expect((await occurrence(window.windowId)).status).toBe('cancelled');
    expect((await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`)).body.code).toBe('occurrence-not-startable');
    expect((await api('GET', `/v1/windows/${window.windowId}`)).body.status).toBe('cancelled');
    await expectEventually(() =>
      expect(windowEventsOf(window.windowId).find((event) => event.type === 'window.cancelled')?.data).toMatchObject({ status: 'cancelled', reason: 'not needed', cancelledBy: expect.any(String) }),
    );
  });

  it('refuses to start a run days before its planned start, and starts it within the hour before', async () => {
    clock.set('2026-07-08T09:00:00Z');
    const window = await plan('GH', '2026-07-11T10:00:00Z', '2026-07-11T11:00:00Z');
    const early = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`);
    expect(early).toMatchObject({ status: 409, body: { code: 'occurrence-not-due', startsAt: '2026-07-11T10:00:00.000Z' } });
    expect(early.body.detail).toBe(
      `Occurrence 1 of window ${window.windowId} is planned to start at 2026-07-11T10:00:00.000Z, 3 days from now: a run may start at most 60 minutes early (OCCURRENCE_EARLY_START_MINUTES). Start the run that is due, or move the window to now (PATCH startsAt and endsAt), which checks the holds at the new time.`,
    );
    expect((await occurrence(window.windowId)).status).toBe('scheduled');
    clock.set('2026-07-11T09:10:00Z');
    expect((await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`)).body).toMatchObject({ status: 'in-progress' });
  });

  it('refuses a held run that is not due as not due, the gate answering it held by a hold that begins later', async () => {
    clock.set('2026-07-20T09:00:00Z');
    const window = await plan('GH', '2026-07-21T10:00:00Z', '2026-07-21T11:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['GH'], from: '2026-07-20T09:03:00Z', until: '2026-07-21T12:00:00Z', reason: 'Independence day' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect((await occurrence(window.windowId)).status).toBe('held');
    expect((await api('GET', `/v1/gate?windowId=${window.windowId}`)).body).toMatchObject({ code: 'held', holds: [{ id: hold.body.id }] });
    const early = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`);
    expect(early).toMatchObject({ status: 409, body: { code: 'occurrence-not-due', startsAt: '2026-07-21T10:00:00.000Z' } });
  });

  it('refuses to start a cancelled, completed, running or missed occurrence with 409 saying what is true of it and what to do, even while a hold covers it', async () => {
    clock.set('2026-07-06T00:00:00Z');
    const cancelled = await plan('NG', '2026-07-06T10:00:00Z', '2026-07-06T11:00:00Z');
    const completed = await plan('NG', '2026-07-06T01:00:00Z', '2026-07-06T02:00:00Z');
    const running = await plan('NG', '2026-07-06T01:00:00Z', '2026-07-06T11:00:00Z');
    // In Benin, which no hold covers: the sweep marks it missed.
    const missed = await plan('BJ', '2026-07-06T02:00:00Z', '2026-07-06T03:00:00Z');
    clock.set('2026-07-06T01:00:00Z');
    expect((await api('POST', `/v1/windows/${completed.windowId}/occurrences/1/start`)).status).toBe(200);
    expect((await api('POST', `/v1/windows/${completed.windowId}/occurrences/1/complete`)).status).toBe(200);
    expect((await api('POST', `/v1/windows/${running.windowId}/occurrences/1/start`)).status).toBe(200);
    // DELETE cancels as well, as a client reading DESIGN.md's "cancel" may try; its reason goes in the query.
    expect((await api('DELETE', `/v1/windows/${cancelled.windowId}`)).body).toMatchObject({ status: 400, code: 'invalid-query', errors: [{ path: 'reason', message: 'is required but missing' }] });
    const deleted = await api('DELETE', `/v1/windows/${cancelled.windowId}?reason=${encodeURIComponent('not needed')}`);
    expect(deleted).toMatchObject({ status: 200, body: { windowId: cancelled.windowId, status: 'cancelled' } });
    const audit = await api('GET', `/v1/audit?subject=${cancelled.windowId}`);
    expect((audit.body.items as { action: string; details: { reason?: string } }[]).find((entry) => entry.action === 'cancelled')?.details).toMatchObject({ reason: 'not needed' });
    const hold = await api('POST', '/v1/holds', { regions: ['NG'], from: '2026-07-06T00:00:00Z', until: '2026-07-06T12:00:00Z', reason: 'Elections in NG' });
    expect(hold.status).toBe(201);
    // The region is held, but the gate does not tell a cancelled window to wait: it will never run.
    expect((await api('GET', '/v1/gate?regions=NG')).status).toBe(423);
    expect(await api('GET', `/v1/gate?windowId=${cancelled.windowId}`)).toMatchObject({ status: 409, body: { code: 'window-cancelled', cancelledAt: '2026-07-06T01:00:00.000Z' } });

    clock.set('2026-07-06T10:00:00Z');
    await sweep.sweep();
    const run = (window: Record<string, any>) => `Occurrence 1 of window ${window.windowId}`;
    for (const [window, status, detail] of [
      [cancelled, 'cancelled', `${run(cancelled)} was cancelled with its window: it will never run. To do the work, plan it as a new window (POST /v1/windows).`],
      [completed, 'completed', `${run(completed)} was completed at 2026-07-06T01:00:00.000Z: it does not run again. For more work, plan a new window (POST /v1/windows).`],
      [
        running,
        'in-progress',
        `${run(running)} is already in progress (started at 2026-07-06T01:00:00.000Z): complete it when the work is done (POST /v1/windows/${running.windowId}/occurrences/1/complete).`,
      ],
      [missed, 'missed', `${run(missed)} was missed: its time ended at 2026-07-06T03:00:00.000Z without a start. To do the work, move the window to a new time (PATCH startsAt and endsAt).`],
    ] as const) {
      const refused = await api('POST', `/v1/windows/${window.windowId}/occurrences/1/start`);
      expect(refused, JSON.stringify(refused.body)).toMatchObject({ status: 409, body: { code: 'occurrence-not-startable', occurrenceStatus: status, detail } });
    }
  });

  it('a window changed under an active hold is linked to it again as it now is: made notify-only it is flagged, not held, and one whose footprint grows stays flagged', async () => {
    clock.set('2026-07-07T00:00:00Z');
    const held = await plan('CL', '2026-07-07T10:00:00Z', '2026-07-07T11:00:00Z');
    const flagged = (await api('POST', '/v1/windows', {
      title: 'cache warm-up in CL',
      ownerTeam: 'edge',
      footprint: { global: false, regions: ['CL'] },
      startsAt: '2026-07-07T06:00:00Z',
      endsAt: '2026-07-07T07:00:00Z',
      plannedZone: 'UTC',
      surgePolicy: 'notify-only',
    })).body;
    const hold = await api('POST', '/v1/holds', { regions: ['CL'], from: '2026-07-07T00:00:00Z', until: '2026-07-07T12:00:00Z', reason: 'Storm in CL' });
    expect(hold.status).toBe(201);
    expect(await occurrence(held.windowId)).toMatchObject({ status: 'held', heldBy: [hold.body.id] });
    const links = async (windowId: string) =>
      (await db.query('SELECT kind, released_at FROM hold_occurrence WHERE hold_id = $1 AND window_id = $2 AND number = 1', [hold.body.id, windowId])) as { kind: string; released_at: Date | null }[];
    expect(await links(flagged.windowId)).toEqual([{ kind: 'notify-only', released_at: null }]);

    const notifyOnly = await api('PATCH', `/v1/windows/${held.windowId}`, { version: held.version, surgePolicy: 'notify-only' });
    expect(notifyOnly.status, JSON.stringify(notifyOnly.body)).toBe(200);
    expect(await occurrence(held.windowId)).toMatchObject({ status: 'scheduled', heldBy: [] });
    expect(notifyOnly.body.status).toBe('scheduled');
    expect(await links(held.windowId)).toEqual([{ kind: 'notify-only', released_at: null }]);

    const widened = await api('PATCH', `/v1/windows/${flagged.windowId}`, { version: flagged.version, footprint: { global: false, regions: ['CL', 'AR'] } });
    expect(widened.status, JSON.stringify(widened.body)).toBe(200);
    expect(await links(flagged.windowId)).toEqual([{ kind: 'notify-only', released_at: null }]);
    expect((await api('GET', `/v1/holds/${hold.body.id}`)).body).toMatchObject({ heldOccurrences: 0, notifyOnlyOccurrences: 2 });
  });

  it("counts on a hold only what it holds: a window moved out of it stops counting, and a released hold keeps what it held at its release", async () => {
    clock.set('2026-07-08T00:00:00Z');
    await plan('UY', '2026-07-08T10:00:00Z', '2026-07-08T11:00:00Z');
    const moved = await plan('UY', '2026-07-08T12:00:00Z', '2026-07-08T13:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['UY'], from: '2026-07-08T00:00:00Z', until: '2026-07-08T18:00:00Z', reason: 'Final in UY' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const counted = async () => (await api('GET', `/v1/holds/${hold.body.id}`)).body;
    expect(await counted()).toMatchObject({ heldOccurrences: 2, notifyOnlyOccurrences: 0 });

    const away = await api('PATCH', `/v1/windows/${moved.windowId}`, { version: moved.version, startsAt: '2026-07-09T12:00:00Z', endsAt: '2026-07-09T13:00:00Z' });
    expect(away.status, JSON.stringify(away.body)).toBe(200);
    expect(await occurrence(moved.windowId)).toMatchObject({ status: 'scheduled', heldBy: [] });
    expect(await counted()).toMatchObject({ heldOccurrences: 1 });

    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'Final over' })).status).toBe(200);
    expect(await counted()).toMatchObject({ active: false, heldOccurrences: 1 });
  });

  it('keeps a 423 bounded: the 10 holds that end soonest are listed, all are counted, and Retry-After waits for the last', async () => {
    clock.set('2026-07-04T00:00:00Z');
    const hours = [5, 3, 12, 1, 8, 2, 11, 4, 9, 7, 6, 10];
    for (const hour of hours) {
      const answer = await api('POST', '/v1/holds', { regions: ['SE'], from: '2026-07-04T00:00:00Z', until: `2026-07-04T${String(hour).padStart(2, '0')}:00:00Z`, reason: `maintenance freeze ${hour}` });
      expect(answer.status).toBe(201);
    }
    const gate = await api('GET', '/v1/gate?regions=SE');
    expect(gate.status).toBe(423);
    expect(gate.body.holdCount).toBe(12);
    expect(gate.body.holds.map((hold: { until: string }) => hold.until)).toEqual(Array.from({ length: 10 }, (_, index) => `2026-07-04T${String(index + 1).padStart(2, '0')}:00:00.000Z`));
    expect(gate.body.detail).toMatch(/^Region SE is held by holds \S+ \(SE: maintenance freeze \d+\); .* and 9 more\. Wait and retry/);
    expect(gate.headers.get('retry-after')).toBe(String(12 * 3600));
  });

  it('an occurrence that ends while held is not missed and its release asks for a new slot; one let through by an override is released as it is', async () => {
    clock.set('2026-07-05T00:00:00Z');
    const held = await plan('TR', '2026-07-05T02:00:00Z', '2026-07-05T03:00:00Z');
    const through = await plan('TR', '2026-07-05T04:00:00Z', '2026-07-05T05:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['TR'], from: '2026-07-05T00:00:00Z', until: '2026-07-05T12:00:00Z', reason: 'Elections in TR' });
    expect((await api('POST', `/v1/windows/${through.windowId}/override`, { reason: 'the certificate expires today' })).status).toBe(200);
    expect(await occurrence(held.windowId)).toMatchObject({ status: 'held', heldBy: [hold.body.id], letThroughBy: [] });
    // Let through, it reads scheduled, naming the hold that waived it.
    expect(await occurrence(through.windowId)).toMatchObject({ status: 'scheduled', heldBy: [], letThroughBy: [hold.body.id] });

    clock.set('2026-07-05T03:30:00Z');
    await sweep.sweep();
    expect((await occurrence(held.windowId)).status).toBe('held');

    clock.set('2026-07-05T04:30:00Z');
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'counted' })).status).toBe(200);
    expect(await occurrence(held.windowId)).toMatchObject({ status: 'needs-reschedule', heldBy: [] });
    expect((await api('GET', `/v1/windows/${held.windowId}`)).body.status).toBe('needs-reschedule');
    expect(await occurrence(through.windowId)).toMatchObject({ status: 'scheduled', heldBy: [] });
  });

  it('the sweep repairs occurrences held with no hold behind them, reports them, and marks one that ended unstarted missed', async () => {
    clock.set('2026-07-03T00:00:00Z');
    const dangling = await plan('AR', '2026-07-03T10:00:00Z', '2026-07-03T11:00:00Z');
    const orphan = await plan('AR', '2026-07-03T14:00:00Z', '2026-07-03T15:00:00Z');
    const unstarted = await plan('PL', '2026-07-03T01:00:00Z', '2026-07-03T02:00:00Z');
    const ended = await plan('AR', '2026-07-03T01:00:00Z', '2026-07-03T02:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['AR'], from: '2026-07-03T00:00:00Z', until: '2026-07-03T09:00:00Z', reason: 'Strike in AR' });
    expect((await occurrence(dangling.windowId)).heldBy).toEqual([]);
    expect((await occurrence(ended.windowId)).heldBy).toEqual([hold.body.id]);
    // What a crash between two writes could leave: a hold ended without letting go, and a link naming a hold that does not exist.
    const link = `INSERT INTO hold_occurrence (hold_id, window_id, number, kind, held_at, run_starts_at)
                  SELECT COALESCE($1, gen_random_uuid()), window_id, number, 'held', $3, starts_at FROM occurrence WHERE window_id = $2 AND number = 1`;
    await db.query(link, [hold.body.id, dangling.windowId, clock.now()]);
    await db.query(link, [null, orphan.windowId, clock.now()]);
    await db.query('UPDATE hold SET released_at = $2 WHERE id = $1', [hold.body.id, clock.now()]);
    expect((await occurrence(dangling.windowId)).status).toBe('held');
    expect((await occurrence(orphan.windowId)).status).toBe('held');

    clock.set('2026-07-03T03:00:00Z');
    const swept = await sweep.sweep();
    expect(swept, JSON.stringify(swept)).toMatchObject({ repaired: 3, missed: 1 });
    for (const window of [dangling, orphan]) {
      expect(await occurrence(window.windowId)).toMatchObject({ status: 'scheduled', heldBy: [] });
      expect((await api('GET', `/v1/audit?subject=${window.windowId}`)).body.items.map((entry: { action: string }) => entry.action)).toContain('repaired');
    }
    expect((await api('GET', '/v1/gate?regions=AR')).status).toBe(200);
    expect(await occurrence(unstarted.windowId)).toMatchObject({ status: 'missed' });
    expect((await api('GET', `/v1/audit?subject=${unstarted.windowId}`)).body.items).toContainEqual(expect.objectContaining({ action: 'missed', details: { number: 1 } }));
    // One that ended while a hold left it held is repaired before missed ones are marked: it needs a new slot, it was not missed.
    expect(await occurrence(ended.windowId)).toMatchObject({ status: 'needs-reschedule', heldBy: [] });
    expect((await api('GET', `/v1/windows/${unstarted.windowId}`)).body.status).toBe('needs-reschedule');
    const metrics = await (await service.fetch('/metrics')).text();
    expect(metrics).toMatch(/^holdfast_hold_repairs_total(\{[^}]*\})? 3$/m);
    // Nothing left to repair: a second sweep reports none.
    expect((await sweep.sweep()).repaired).toBe(0);
  });
  it("holds and releases 1,300 hourly occurrences in three regions with every event well under Kafka's 1 MiB message limit, the lists cut and said to be", async () => {
    clock.set('2026-08-01T00:00:00Z');
    const planned = await api('POST', '/v1/windows', {
      title: 'hourly log rotation',
      ownerTeam: 'compute',
      footprint: { global: false, regions: ['TZ', 'UG', 'RW'] },
      startsAt: '2026-08-01T06:00:00Z',
      endsAt: '2026-08-01T06:15:00Z',
      plannedZone: 'Africa/Nairobi',
      recurrence: 'FREQ=HOURLY;COUNT=1300',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const windowId = planned.body.windowId;
    const hold = await api('POST', '/v1/holds', { regions: ['TZ'], from: '2026-08-01T00:00:00Z', until: '2026-10-01T00:00:00Z', reason: 'Census in TZ' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    expect((await api('GET', `/v1/holds/${hold.body.id}`)).body).toMatchObject({ heldOccurrences: 1300 });
    // Every occurrence listed would be about 1.1 MB in one window.held: more than the broker takes.
    const released = await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'census over' });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    await expectEventually(() => expect(windowEvents.messages.filter((message) => message.key === windowId).map((message) => message.headers.ce_type)).toEqual(expect.arrayContaining(['window.held', 'window.released'])));
    for (const message of windowEvents.messages.filter((entry) => entry.key === windowId && entry.headers.ce_type !== 'window.scheduled')) {
      const data = JSON.parse(message.value);
      expect(Buffer.byteLength(message.value)).toBeLessThan(512 * 1024);
      expect(data).toMatchObject({ occurrencesTruncated: true });
      expect(data.occurrences.length).toBeGreaterThan(100);
      expect(data.occurrences.length).toBeLessThan(1300);
      expect(data.occurrences[0]).toMatchObject({ number: 1, startsAt: '2026-08-01T06:00:00.000Z', localTimes: [expect.objectContaining({ region: 'TZ' }), expect.anything(), expect.anything()] });
    }
  });

  it('keeps an hourly window getting runs once 10,000 lie behind its first start', async () => {
    clock.set('2027-01-01T00:00:00Z');
    const planned = await api('POST', '/v1/windows', {
      title: 'hourly cache flush',
      ownerTeam: 'compute',
      footprint: { global: false, regions: ['BI'] },
      startsAt: '2027-01-01T00:10:00Z',
      endsAt: '2027-01-01T00:20:00Z',
      plannedZone: 'UTC',
      recurrence: 'FREQ=HOURLY',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    // 330 days on, the 90-day horizon is 420 days (10,080 hours) from the first start.
    clock.set('2027-11-27T00:00:00Z');
    await sweep.sweep();
    const [{ last }] = (await db.query('SELECT max(starts_at) AS last FROM occurrence WHERE window_id = $1', [planned.body.windowId])) as { last: Date }[];
    expect(last.toISOString()).toBe('2028-02-24T23:10:00.000Z');
    // A change of its times is planned from now on, not refused as over by now.
    const moved = await api('PATCH', `/v1/windows/${planned.body.windowId}`, { version: planned.body.version, startsAt: '2027-01-01T00:40:00Z', endsAt: '2027-01-01T00:50:00Z' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.nextOccurrence).toMatchObject({ startsAt: '2027-11-27T00:40:00.000Z' });
    // More runs before the horizon than the planner keeps is said at once, not cut short without a word.
    const tooMany = await api('POST', '/v1/windows', {
      title: 'hourly probe, planned as if it had run for two years',
      ownerTeam: 'compute',
      footprint: { global: false, regions: ['BI'] },
      startsAt: '2026-01-01T01:00:00Z',
      endsAt: '2026-01-01T01:05:00Z',
      plannedZone: 'UTC',
      recurrence: 'FREQ=HOURLY',
    });
    expect(tooMany.status, JSON.stringify(tooMany.body)).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'too-many-occurrences', errors: [{ path: 'recurrence' }] });
  });

  it('proposes each run of a window released together a slot of its own', async () => {
    clock.set('2028-02-01T00:00:00Z');
    const planned = await api('POST', '/v1/windows', {
      title: 'nightly compaction',
      ownerTeam: 'compute',
      footprint: { global: false, regions: ['DM'] },
      startsAt: '2028-02-01T02:00:00Z',
      endsAt: '2028-02-01T03:00:00Z',
      plannedZone: 'UTC',
      recurrence: 'FREQ=DAILY',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const hold = await api('POST', '/v1/holds', { regions: ['DM'], from: '2028-02-01T00:00:00Z', until: '2028-02-04T00:00:00Z', reason: 'Carnival in DM' });
    expect(hold.status).toBe(201);
    // Two runs began while held; released together, both wait for a new slot, and no two are offered the same one.
    clock.set('2028-02-02T12:00:00Z');
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'carnival over early' })).status).toBe(200);
    const runs = ((await api('GET', `/v1/windows/${planned.body.windowId}/occurrences`)).body.items as Record<string, any>[]).slice(0, 2);
    expect(runs).toMatchObject([
      { number: 1, status: 'needs-reschedule', proposedSlot: expect.objectContaining({ startsAt: expect.any(String) }) },
      { number: 2, status: 'needs-reschedule', proposedSlot: expect.objectContaining({ startsAt: expect.any(String) }) },
    ]);
    const [first, second] = runs.map((run) => run.proposedSlot as { startsAt: string; endsAt: string });
    expect(first.endsAt <= second.startsAt || second.endsAt <= first.startsAt, `${first.startsAt} and ${second.startsAt} overlap`).toBe(true);
  });

  it('keeps a past run waiting for a new slot when the window is changed', async () => {
    clock.set('2028-01-01T00:00:00Z');
    const planned = await api('POST', '/v1/windows', {
      title: 'daily index rebuild',
      ownerTeam: 'compute',
      footprint: { global: false, regions: ['DJ'] },
      startsAt: '2028-01-01T10:00:00Z',
      endsAt: '2028-01-01T11:00:00Z',
      plannedZone: 'UTC',
      recurrence: 'FREQ=DAILY',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const hold = await api('POST', '/v1/holds', { regions: ['DJ'], from: '2028-01-01T00:00:00Z', until: '2028-01-01T12:00:00Z', reason: 'Independence day traffic' });
    expect(hold.status).toBe(201);
    clock.set('2028-01-01T12:30:00Z');
    await sweep.sweep();
    const waiting = await occurrence(planned.body.windowId);
    expect(waiting).toMatchObject({ number: 1, status: 'needs-reschedule', proposedSlot: expect.objectContaining({ startsAt: expect.any(String) }) });

    const changed = await api('PATCH', `/v1/windows/${planned.body.windowId}`, { version: planned.body.version, exdates: ['2028-01-05T10:00'] });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const runs = (await api('GET', `/v1/windows/${planned.body.windowId}/occurrences`)).body.items as Record<string, any>[];
    expect(runs[0]).toEqual(waiting);
    expect(runs[1]).toMatchObject({ startsAt: '2028-01-02T10:00:00.000Z', status: 'scheduled' });
    // The run the exdate names is cancelled under its number, the others keep theirs.
    expect(runs.find((run) => run.startsAt === '2028-01-05T10:00:00.000Z')).toMatchObject({ number: 5, status: 'cancelled' });
    expect(runs.map((run) => run.number)).toEqual(runs.map((_, index) => index + 1));
    expect((await api('GET', `/v1/holds/${hold.body.id}`)).body).toMatchObject({ heldOccurrences: 1 });
  });

  it('adds no runs to a window cancelled while the sweep was about to extend it', async () => {
    clock.set('2028-03-01T00:00:00Z');
    const planned = await api('POST', '/v1/windows', {
      title: 'daily backup',
      ownerTeam: 'compute',
      footprint: { global: false, regions: ['ER'] },
      startsAt: '2028-03-01T02:00:00Z',
      endsAt: '2028-03-01T03:00:00Z',
      plannedZone: 'UTC',
      recurrence: 'FREQ=DAILY',
    });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    clock.set('2028-03-03T00:00:00Z');
    // Another replica's cancel holds the window while the sweep comes to extend it, and commits first.
    const canceller = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await canceller.connect();
    try {
      await canceller.query('BEGIN');
      await canceller.query('SELECT 1 FROM maintenance_window WHERE id = $1 FOR UPDATE', [planned.body.windowId]);
      const extending = service.app.get(WindowsService).extendHorizon();
      // Until the other side waits on the row this transaction holds.
      await expectEventually(async () =>
        expect((await canceller.query("SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()")).rows[0].waiting).toBeGreaterThan(0),
      );
      await canceller.query(`UPDATE maintenance_window SET status = 'cancelled' WHERE id = $1`, [planned.body.windowId]);
      await canceller.query(`UPDATE occurrence SET status = 'cancelled' WHERE window_id = $1`, [planned.body.windowId]);
      await canceller.query('COMMIT');
      await extending;
    } finally {
      await canceller.end();
    }
    const runs = (await db.query('SELECT status, count(*)::int AS runs FROM occurrence WHERE window_id = $1 GROUP BY status', [planned.body.windowId])) as { status: string; runs: number }[];
    expect(runs).toEqual([{ status: 'cancelled', runs: 90 }]);
  });

  it('says what to do in each refusal of a completion, a stale cancel and a second release', async () => {
    clock.set('2026-09-01T00:00:00Z');
    const window = await plan('PE', '2026-09-01T10:00:00Z', '2026-09-01T11:00:00Z');
    const id = window.windowId as string;
    const complete = () => api('POST', `/v1/windows/${id}/occurrences/1/complete`);
    expect(await complete()).toMatchObject({
      status: 409,
      body: { code: 'occurrence-not-in-progress', occurrenceStatus: 'scheduled', detail: `Occurrence 1 of window ${id} is scheduled, not in progress: start it first (POST /v1/windows/${id}/occurrences/1/start).` },
    });
    clock.set('2026-09-01T10:00:00Z');
    expect((await api('POST', `/v1/windows/${id}/occurrences/1/start`)).status).toBe(200);
    expect((await complete()).status).toBe(200);
    expect(await complete()).toMatchObject({
      status: 409,
      body: { code: 'occurrence-not-in-progress', occurrenceStatus: 'completed', detail: `Occurrence 1 of window ${id} was completed at 2026-09-01T10:00:00.000Z: nothing left to do.` },
    });

    const missed = await plan('PE', '2026-09-02T10:00:00Z', '2026-09-02T11:00:00Z');
    clock.set('2026-09-02T12:00:00Z');
    await sweep.sweep();
    expect((await api('POST', `/v1/windows/${missed.windowId}/occurrences/1/complete`)).body.detail).toBe(
      `Occurrence 1 of window ${missed.windowId} was missed (it never started): nothing to complete. To do the work, move the window to a new time (PATCH startsAt and endsAt).`,
    );

    const stale = await api('POST', `/v1/windows/${missed.windowId}/cancel`, { reason: 'not needed', version: 7 });
    expect(stale).toMatchObject({ status: 409, body: { code: 'stale-version', currentVersion: 1 } });
    expect(stale.body.detail).toBe(`Window ${missed.windowId} is at version 1, not 7: read it again (GET /v1/windows/${missed.windowId}) and cancel at its current version, or send no version to cancel it whatever its version.`);
    // A cancelled window is not moved any more: the work is planned anew.
    expect((await api('POST', `/v1/windows/${missed.windowId}/cancel`, { reason: 'not needed' })).status).toBe(200);
    expect((await api('POST', `/v1/windows/${missed.windowId}/occurrences/1/complete`)).body.detail).toBe(
      `Occurrence 1 of window ${missed.windowId} was missed (it never started): nothing to complete. To do the work, plan it as a new window (POST /v1/windows).`,
    );

    const hold = await api('POST', '/v1/holds', { regions: ['PE'], from: '2026-09-02T12:00:00Z', reason: 'Elections in PE' });
    expect((await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'counted' })).status).toBe(200);
    const again = await api('POST', `/v1/holds/${hold.body.id}/release`, { reason: 'counted' });
    expect(again).toMatchObject({ status: 409, body: { code: 'hold-released' } });
    expect(again.body.detail).toBe(
      `Hold ${hold.body.id} was already released at 2026-09-02T12:00:00.000Z: nothing to release. GET /v1/holds/${hold.body.id} says by whom and why; declare a new hold (POST /v1/holds) if the regions need one again.`,
    );
  });

  it('refuses a run number no run can have (0, or past PostgreSQL integer range) with 400 naming it, where it was a 500; a number in range but past the last run is 404', async () => {
    clock.set('2026-09-20T00:00:00Z');
    const window = await plan('UY', '2026-09-20T10:00:00Z', '2026-09-20T11:00:00Z');
    const id = window.windowId as string;
    expect((await api('POST', '/v1/holds', { regions: ['UY'], from: '2026-09-20T00:00:00Z', until: '2026-09-21T00:00:00Z', reason: 'Exams in UY' })).status).toBe(201);
    for (const number of [0, 2_147_483_648, 9_007_199_254_740_991]) {
      const override = await api('POST', `/v1/windows/${id}/override`, { reason: 'cannot wait', occurrence: number });
      expect(override.status, JSON.stringify(override.body)).toBe(400);
      expect(override.body.errors.map((error: { path: string }) => error.path)).toEqual(['occurrence']);
      for (const step of ['start', 'complete']) {
        const answer = await api('POST', `/v1/windows/${id}/occurrences/${number}/${step}`);
        expect(answer.status, `${step} ${number}: ${JSON.stringify(answer.body)}`).toBe(400);
      }
    }
    expect((await api('POST', `/v1/windows/${id}/override`, { reason: 'cannot wait', occurrence: 2_147_483_647 })).status).toBe(404);
    expect((await api('POST', `/v1/windows/${id}/occurrences/2147483647/start`)).status).toBe(404);
    expect((await api('GET', `/v1/audit?subject=${id}`)).body.items.map((entry: { action: string }) => entry.action)).not.toContain('overridden');
  });

  it('refuses to override a notify-only or exempt window, which no hold stops, and records nothing', async () => {
    clock.set('2026-09-10T00:00:00Z');
    const hold = await api('POST', '/v1/holds', { regions: ['PY'], from: '2026-09-10T00:00:00Z', until: '2026-09-11T00:00:00Z', reason: 'Exams in PY' });
    expect(hold.status).toBe(201);
    for (const surgePolicy of ['notify-only', 'exempt']) {
      const planned = await api('POST', '/v1/windows', {
        title: `dashboards in PY (${surgePolicy})`,
        ownerTeam: 'compute',
        footprint: { global: false, regions: ['PY'] },
        startsAt: '2026-09-10T10:00:00Z',
        endsAt: '2026-09-10T11:00:00Z',
        plannedZone: 'UTC',
        surgePolicy,
      });
      expect(planned.status, JSON.stringify(planned.body)).toBe(201);
      const id = planned.body.windowId as string;
      expect((await api('GET', `/v1/gate?windowId=${id}`)).status).toBe(200);
      const refused = await api('POST', `/v1/windows/${id}/override`, { reason: 'cannot wait' });
      expect(refused).toMatchObject({ status: 409, body: { code: 'not-held', surgePolicy } });
      expect(refused.body.detail).toBe(`Window ${id} has surge policy ${surgePolicy}: no hold stops it (the gate lets it start), so there is nothing to override. Start it as planned.`);
      expect((await api('GET', `/v1/audit?subject=${id}`)).body.items.map((entry: { action: string }) => entry.action)).not.toContain('overridden');
      expect(await db.query('SELECT 1 FROM hold_occurrence WHERE window_id = $1 AND overridden_by IS NOT NULL', [id])).toEqual([]);
    }
    expect((await api('GET', `/v1/audit?subject=${hold.body.id}`)).body.items.map((entry: { action: string }) => entry.action)).not.toContain('overridden');
  });
});
