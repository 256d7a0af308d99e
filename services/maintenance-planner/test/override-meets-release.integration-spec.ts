/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { Topics } from '@holdfast/contracts';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeHold, planWindow, plannerApi, type PlannerAnswer } from './support/planner-with-readers';
import { type PlannerWithSpy, startPlannerWithSpy } from './support/planner-with-spy';

const clock = new ManualClock('2026-10-01T00:00:00Z');

/**
 * An override of a window a hold holds, and a release of that hold by hand, at the same moment in two transactions. The
 * window is told window.released by the hold once: by the override when it commits first (it let the hold's last held
 * run through), else by the release, the override then finding the hold released, as it would a moment later. To stop
 * each at the moment in between, the release runs in a transaction of the spec's own, left open, and the override's is
 * held at its outbox write by a lock of the spec's on the window's key, which the outbox takes before its rows.
 */
describe('maintenance-planner: an override racing the release of the hold it lets the window through', () => {
  let planner: PlannerWithSpy;

  const api = plannerApi(() => planner.service);
  const plan = (region: string) => planWindow(api, [region], '2026-10-01T06:00:00Z', '2026-10-01T07:00:00Z');
  const override = (windowId: string) => api('POST', `/v1/windows/${windowId}/override`, { reason: 'the certificate expires today' });
  /** The window events written for the window, in order, with the hold each names. */
  const written = async (windowId: string) =>
    (await planner.spy.query(`SELECT event_type AS type, payload->>'holdId' AS "holdId" FROM outbox_message WHERE message_key = $1 ORDER BY id`, [windowId])).rows as { type: string; holdId: string | null }[];
  const releasedBy = async (windowId: string, holdId: string) =>
    (await planner.spy.query(`SELECT payload FROM outbox_message WHERE message_key = $1 AND event_type = 'window.released' AND payload->>'holdId' = $2 ORDER BY id`, [windowId, holdId])).rows.map(
      (row: { payload: Record<string, any> }) => row.payload,
    );
  /** The outbox's lock on the window's key, as OutboxWriter takes it, held by the spy until unlocked. */
  const windowKey = (windowId: string) => [`${Topics.maintenanceWindows}/${windowId}`];
  const lockWindowKey = (windowId: string) => planner.spy.query(`SELECT pg_advisory_lock(hashtext('maintenance_planner'), hashtext($1))`, windowKey(windowId));
  const unlockWindowKey = (windowId: string) => planner.spy.query(`SELECT pg_advisory_unlock(hashtext('maintenance_planner'), hashtext($1))`, windowKey(windowId));

  beforeAll(async () => {
    planner = await startPlannerWithSpy(clock);
  });

  afterAll(() => planner?.close());

  it('a release that commits first tells the window released once; the override waiting on it then finds the hold released and is refused, reviving no link', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('MN');
    const holdId = await placeHold(api, 'MN', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    expect((await written(windowId)).map((event) => event.type)).toEqual(['window.scheduled', 'window.held']);
    clock.advance(60_000);

    const hold = await planner.holds.get(holdId);
    let overriding: Promise<PlannerAnswer> | undefined;
    await planner.db.transaction(async (tx) => {
      expect(await planner.holds.release(tx, hold, 'network-ops/key-1', 'polls closed')).toBe(true);
      overriding = override(windowId);
      // The override waits at the hold set's lock, which this release holds until it commits.
      await expectEventually(async () => expect(await planner.waitingOnAdvisory()).toBe(1));
    });
    const overridden = await overriding!;

    // As an override sent a moment after the release: the hold no longer stops the window.
    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect(await releasedBy(windowId, holdId)).toEqual([expect.objectContaining({ holdId, holdReason: 'polls closed', status: 'scheduled' })]);
    expect((await written(windowId)).map((event) => event.type)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect(await planner.holdEvents(holdId)).toEqual(['hold.placed', 'hold.released']);
    expect(await planner.linksInForce(holdId)).toBe(0);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false, overrideCount: 0 });
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('scheduled');
  });

  it('an override that commits first tells the window released once, with its who and why; the release waiting on it tells the window nothing more', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('KG');
    const holdId = await placeHold(api, 'KG', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    clock.advance(60_000);

    await lockWindowKey(windowId);
    let overriding: Promise<PlannerAnswer> | undefined;
    let releasing: Promise<PlannerAnswer> | undefined;
    try {
      overriding = override(windowId);
      // The override has let the run through and written its window.released, and waits to write it to the outbox.
      await expectEventually(async () => expect(await planner.waitingOnAdvisory()).toBe(1));
      releasing = api('POST', `/v1/holds/${holdId}/release`, { reason: 'polls closed' });
      // The release waits at the hold set's lock, which the override holds (shared) until it commits.
      await expectEventually(async () => expect(await planner.waitingOnAdvisory()).toBe(2));
    } finally {
      await unlockWindowKey(windowId);
    }
    const [overridden, released] = await Promise.all([overriding!, releasing!]);

    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 200, body: { overridden: [holdId] } });
    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    const told = await releasedBy(windowId, holdId);
    expect(told).toEqual([expect.objectContaining({ holdId, holdReason: expect.stringMatching(/^Let through by an override by .+ \(the certificate expires today\)$/) })]);
    expect((await written(windowId)).map((event) => event.type)).toEqual(['window.scheduled', 'window.held', 'window.released']);
    expect(await planner.holdEvents(holdId)).toEqual(['hold.placed', 'hold.overridden', 'hold.released']);
    expect(await planner.linksInForce(holdId)).toBe(0);
    // hold.released still names the window it let go of: the notifier counts on the window.released the override wrote.
    expect((await planner.spy.query(`SELECT payload FROM outbox_message WHERE event_type = 'hold.released' AND payload->>'holdId' = $1`, [holdId])).rows[0].payload.windowIds).toContain(windowId);
  });

  it("a release that gives a started run a new slot, changing its window's status, waits for a window's transaction holding the window rather than deadlocking with it", async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('TJ');
    const holdId = await placeHold(api, 'TJ', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    // The run began while held: the release marks it needs-reschedule, and with it the window.
    clock.set('2026-10-01T06:30:00Z');

    let releasing: Promise<PlannerAnswer> | undefined;
    await planner.db.transaction(async (tx) => {
      // As a window's own transaction does (an override, a change, a cancel): the window's row first, then its links.
      await tx.query('SELECT id FROM maintenance_window WHERE id = $1 FOR UPDATE', [windowId]);
      releasing = api('POST', `/v1/holds/${holdId}/release`, { reason: 'polls closed' });
      await expectEventually(async () => expect(await planner.waitingOnRows()).toBe(1));
      await tx.query(`UPDATE hold_occurrence SET overridden_by = 'network-ops/key-2', override_reason = 'the disk is failing', overridden_at = $3 WHERE hold_id = $1 AND window_id = $2`, [
        holdId,
        windowId,
        clock.now(),
      ]);
    });
    const released = await releasing!;

    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    expect(await planner.linksInForce(holdId)).toBe(0);
    // Let through before the release read it, the run is not the release's to give a new slot, nor the window its to tell released.
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('scheduled');
    expect(await releasedBy(windowId, holdId)).toEqual([]);
  });
});
