/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeHold, planWindow, plannerApi, type PlannerAnswer } from './support/planner-with-readers';
import { type PlannerWithSpy, startPlannerWithSpy } from './support/planner-with-spy';

const clock = new ManualClock('2026-10-01T00:00:00Z');

/**
 * Releases at the same moment take turns, at the hold set's release key. Two holds over the same windows, one released as
 * the sweep does (in a transaction of the spec's own, left open), the other by hand over HTTP: the second waits for the
 * first, then lets go of the runs both held, and a run begun while held needs a new slot. Before, each read the other's
 * hold as holding the run still, which was left scheduled (to be marked missed), and both told its window `held`. And one
 * hold released by hand with If-Match while the sweep releases it: the two take the release key and the hold's row in
 * the same order, so neither deadlocks.
 */
describe('maintenance-planner: releases at the same moment', () => {
  let planner: PlannerWithSpy;

  const api = plannerApi(() => planner.service);
  const plan = (region: string, startsAt: string) => planWindow(api, [region], startsAt, new Date(Date.parse(startsAt) + 3_600_000).toISOString());
  /** The window.released events written for the window, in order: the hold each is from and the window's status it told. */
  const told = async (windowId: string) =>
    (await planner.spy.query(`SELECT payload->>'holdId' AS "holdId", payload->>'status' AS status FROM outbox_message WHERE message_key = $1 AND event_type = 'window.released' ORDER BY id`, [windowId]))
      .rows as { holdId: string; status: string }[];
  const runStatus = async (windowId: string) => (await planner.spy.query('SELECT status FROM occurrence WHERE window_id = $1 AND number = 1', [windowId])).rows[0].status as string;
  /** The hold set's release key, as LOCK_HOLD_SET_TO_RELEASE takes it, held by the spy until unlocked. */
  const lockReleases = () => planner.spy.query(`SELECT pg_advisory_lock(hashtext('maintenance_planner/hold-set'), 1)`);
  const unlockReleases = () => planner.spy.query(`SELECT pg_advisory_unlock(hashtext('maintenance_planner/hold-set'), 1)`);
  beforeAll(async () => {
    planner = await startPlannerWithSpy(clock);
  });

  afterAll(() => planner?.close());

  it('runs both held, begun while held, need a new slot once both are released, and the last window.released of each window says so', async () => {
    clock.set('2026-10-01T00:00:00Z');
    const first = await plan('MN', '2026-10-01T06:00:00Z');
    const second = await plan('MN', '2026-10-01T06:30:00Z');
    const swept = await placeHold(api, 'MN', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    const byHand = await placeHold(api, 'MN', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z', 'Census in MN');
    // Both runs began while held.
    clock.set('2026-10-01T07:00:00Z');

    let releasing: Promise<PlannerAnswer> | undefined;
    await planner.db.transaction(async (tx) => {
      expect(await planner.holds.release(tx, await planner.holds.get(swept), undefined, 'The held period ended')).toBe(true);
      releasing = api('POST', `/v1/holds/${byHand}/release`, { reason: 'census done' });
      await expectEventually(async () => expect(await planner.waitingOnLocks()).toBe(1));
    });
    const released = await releasing!;

    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 200, body: { active: false } });
    for (const windowId of [first, second]) {
      expect(await runStatus(windowId)).toBe('needs-reschedule');
      expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('needs-reschedule');
      // Told released by each hold once; the second, told after both let go, as it now reads.
      expect(await told(windowId)).toEqual([
        { holdId: swept, status: 'held' },
        { holdId: byHand, status: 'needs-reschedule' },
      ]);
      const trail = (await api('GET', `/v1/audit?subject=${windowId}`)).body.items.map((entry: any) => entry.action);
      expect(trail.filter((action: string) => action === 'needs-reschedule')).toHaveLength(1);
    }
  });

  it("a release by hand with If-Match and the sweep's release of the same hold: the sweep's commits, the other is told the hold changed, neither deadlocks", async () => {
    clock.set('2026-10-01T00:00:00Z');
    const windowId = await plan('KG', '2026-10-01T06:00:00Z');
    const holdId = await placeHold(api, 'KG', '2026-10-01T00:00:00Z', '2026-10-05T00:00:00Z');
    const hold = await planner.holds.get(holdId);
    clock.set('2026-10-01T07:00:00Z');

    // Both queued at the hold set's release key: the sweep's first, then the request, which has read the hold at version 1.
    await lockReleases();
    let sweeping: Promise<boolean> | undefined;
    let releasing: Promise<PlannerAnswer> | undefined;
    try {
      sweeping = planner.db.transaction((tx) => planner.holds.release(tx, hold, undefined, 'The held period ended'));
      await expectEventually(async () => expect(await planner.waitingOnAdvisory()).toBe(1));
      releasing = api('POST', `/v1/holds/${holdId}/release`, { reason: 'polls closed' }, { 'if-match': '"1"' });
      await expectEventually(async () => expect(await planner.waitingOnAdvisory()).toBe(2));
    } finally {
      await unlockReleases();
    }

    expect(await sweeping!).toBe(true);
    const released = await releasing!;
    expect(released, JSON.stringify(released.body)).toMatchObject({ status: 412, body: { code: 'precondition-failed', currentVersion: 2 } });
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false, releaseReason: 'The held period ended' });
    expect(await told(windowId)).toEqual([{ holdId, status: 'needs-reschedule' }]);
  });
});
