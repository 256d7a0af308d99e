/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { Topics } from '@holdfast/contracts';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';

const clock = new ManualClock('2026-10-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
}

/**
 * An override of a window a hold holds, and a release of that hold by hand, at the same moment in two transactions. The
 * window is told window.released by the hold once: by the override when it commits first (it let the hold's last held
 * run through), else by the release, the override then finding the hold released, as it would a moment later. To stop
 * each at the moment in between, the release runs in a transaction of the spec's own, left open, and the override's is
 * held at its outbox write by a lock of the spec's on the window's key, which the outbox takes before its rows.
 */
describe('maintenance-planner: an override racing the release of the hold it lets the window through', () => {
  let service: ServiceUnderTest;
  let db: DataSource;
  let holds: HoldsService;
  let spy: Client;

  const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const plan = async (region: string) => {
    const answer = await api('POST', '/v1/windows', {
      title: `Kernel patch in ${region}`,
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: [region] },
      startsAt: '2026-10-01T06:00:00Z',
      endsAt: '2026-10-01T07:00:00Z',
      plannedZone: 'UTC',
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };
  const placeHold = async (region: string) => {
    const answer = await api('POST', '/v1/holds', { regions: [region], from: '2026-10-01T00:00:00Z', until: '2026-10-05T00:00:00Z', reason: `Elections in ${region}` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const override = (windowId: string) => api('POST', `/v1/windows/${windowId}/override`, { reason: 'the certificate expires today' });
  /** The window events written for the window, in order, with the hold each names. */
  const written = async (windowId: string) =>
    (await spy.query(`SELECT event_type AS type, payload->>'holdId' AS "holdId" FROM outbox_message WHERE message_key = $1 ORDER BY id`, [windowId])).rows as { type: string; holdId: string | null }[];
  const releasedBy = async (windowId: string, holdId: string) =>
    (await spy.query(`SELECT payload FROM outbox_message WHERE message_key = $1 AND event_type = 'window.released' AND payload->>'holdId' = $2 ORDER BY id`, [windowId, holdId])).rows.map(
      (row: { payload: Record<string, any> }) => row.payload,
    );
  const holdEvents = async (holdId: string) =>
    (await spy.query(`SELECT event_type FROM outbox_message WHERE payload->>'holdId' = $1 AND event_type LIKE 'hold.%' ORDER BY id`, [holdId])).rows.map((row: { event_type: string }) => row.event_type);
  /** The hold's links in force: a released hold has none. */
  const linksInForce = async (holdId: string) => (await spy.query('SELECT count(*)::int AS links FROM hold_occurrence WHERE hold_id = $1 AND released_at IS NULL', [holdId])).rows[0].links as number;
  /** Sessions of the planner waiting for a row of another transaction (not for an advisory lock, the spy's). */
  const waitingOnRows = async () =>
    (
      await spy.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND wait_event <> 'advisory'`,
      )
    ).rows[0].waiting as number;
  const waitingOnAdvisory = async () =>
    (await spy.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event = 'advisory'`)).rows[0].waiting as number;
  /** The outbox's lock on the window's key, as OutboxWriter takes it, held by the spy until unlocked. */
  const windowKey = (windowId: string) => [`${Topics.maintenanceWindows}/${windowId}`];
  const lockWindowKey = (windowId: string) => spy.query(`SELECT pg_advisory_lock(hashtext('maintenance_planner'), hashtext($1))`, windowKey(windowId));
  const unlockWindowKey = (windowId: string) => spy.query(`SELECT pg_advisory_unlock(hashtext('maintenance_planner'), hashtext($1))`, windowKey(windowId));

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    holds = service.app.get(HoldsService);
    spy = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await spy.connect();
  });

  afterAll(async () => {
    await spy?.end();
    await service?.close();
  });

  it('a release that commits first tells the window released once; the override waiting on it then finds the hold released and is refused, reviving no link', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('MN');
    const holdId = await placeHold('MN');
    expect((await written(windowId)).map((event) => event.type)).toEqual(['window.scheduled', 'window.held']);
    clock.advance(60_000);

    const hold = await holds.get(holdId);
    let overriding: Promise<Answer> | undefined;
    await db.transaction(async (tx) => {
      expect(await holds.release(tx, hold, 'network-ops/key-1', 'polls closed')).toBe(true);
      overriding = override(windowId);
      // The override waits at the hold set's lock, which this release holds until it commits.
      await expectEventually(async () => expect(await waitingOnAdvisory()).toBe(1));
    });
    const overridden = await overriding!;

    // As an override sent a moment after the release: the hold no longer stops the window.
    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect(await releasedBy(windowId, holdId)).toEqual([expect.objectContaining({ holdId, holdReason: 'polls closed', status: 'scheduled' })]);
    expect((await written(windowId)).map((event) => event.type)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect(await holdEvents(holdId)).toEqual(['hold.placed', 'hold.released']);
    expect(await linksInForce(holdId)).toBe(0);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false, overrideCount: 0 });
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('scheduled');
  });

  it('an override that commits first tells the window released once, with its who and why; the release waiting on it tells the window nothing more', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('KG');
    const holdId = await placeHold('KG');
    clock.advance(60_000);

    await lockWindowKey(windowId);
    let overriding: Promise<Answer> | undefined;
    let releasing: Promise<Answer> | undefined;
    try {
      overriding = override(windowId);
      // The override has let the run through and written its window.released, and waits to write it to the outbox.
      await expectEventually(async () => expect(await waitingOnAdvisory()).toBe(1));
      releasing = api('POST', `/v1/holds/${holdId}/release`, { reason: 'polls closed' });
      // The release waits at the hold set's lock, which the override holds (shared) until it commits.
      await expectEventually(async () => expect(await waitingOnAdvisory()).toBe(2));
    } finally {
      await unlockWindowKey(windowId);
    }
    const [overridden, released] = await Promise.all([overriding!, releasing!]);

    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 200, body: { overridden: [holdId] } });
    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    const told = await releasedBy(windowId, holdId);
    expect(told).toEqual([expect.objectContaining({ holdId, holdReason: expect.stringMatching(/^Let through by an override by .+ \(the certificate expires today\)$/) })]);
    expect((await written(windowId)).map((event) => event.type)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect(await holdEvents(holdId)).toEqual(['hold.placed', 'hold.overridden', 'hold.released']);
    expect(await linksInForce(holdId)).toBe(0);
    // hold.released still names the window it let go of: the notifier counts on the window.released the override wrote.
    expect((await spy.query(`SELECT payload FROM outbox_message WHERE event_type = 'hold.released' AND payload->>'holdId' = $1`, [holdId])).rows[0].payload.windowIds).toContain(windowId);
  });

  it("a release that gives a started run a new slot, changing its window's status, waits for a window's transaction holding the window rather than deadlocking with it", async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('TJ');
    const holdId = await placeHold('TJ');
    // The run began while held: the release marks it needs-reschedule, and with it the window.
    clock.set('2026-10-01T06:30:00Z');

    let releasing: Promise<Answer> | undefined;
    await db.transaction(async (tx) => {
      // As a window's own transaction does (an override, a change, a cancel): the window's row first, then its links.
      await tx.query('SELECT id FROM maintenance_window WHERE id = $1 FOR UPDATE', [windowId]);
      releasing = api('POST', `/v1/holds/${holdId}/release`, { reason: 'polls closed' });
      await expectEventually(async () => expect(await waitingOnRows()).toBe(1));
      await tx.query(`UPDATE hold_occurrence SET overridden_by = 'network-ops/key-2', override_reason = 'the disk is failing', overridden_at = $3 WHERE hold_id = $1 AND window_id = $2`, [
        holdId,
        windowId,
        clock.now(),
      ]);
    });
    const released = await releasing!;

    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    expect(await linksInForce(holdId)).toBe(0);
    // Let through before the release read it, the run is not the release's to give a new slot, nor the window its to tell released.
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('scheduled');
    expect(await releasedBy(windowId, holdId)).toEqual([]);
  });
});
