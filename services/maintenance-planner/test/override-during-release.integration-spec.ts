import { expectEventually, ManualClock } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlannerSweep } from '../src/holds/planner-sweep.service';
import { placeHold, planWindow, plannerApi, type PlannerAnswer } from './support/planner-with-readers';
import { type PlannerWithSpy, startPlannerWithSpy } from './support/planner-with-spy';

const clock = new ManualClock('2026-10-01T05:00:00Z');

/**
 * An override of a run the hold never linked, sent while the hold is released: a run that waits for a new slot, not over,
 * which no hold placed after it was marked so links, but which an override lets through a hold in force now, linking it
 * then. The release locks only the windows the hold links, so before, nothing ordered the two: the override read the hold
 * in force, linked the run after the release had let go of the hold's links, and wrote hold.overridden after hold.released,
 * leaving a link in force, overridden, on a released hold. The override now takes the hold set's lock, shared, first, as a
 * window's plan or change does, so it waits for the release and finds the hold released. The release runs in a transaction
 * of the spec's own, left open, while the override is sent.
 */
describe('maintenance-planner: an override of a run the hold never linked, sent while the hold is released', () => {
  let planner: PlannerWithSpy;

  const api = plannerApi(() => planner.service);
  const links = async (holdId: string) =>
    (await planner.spy.query('SELECT number, released_at IS NULL AS in_force, overridden_by IS NOT NULL AS overridden FROM hold_occurrence WHERE hold_id = $1', [holdId])).rows as Record<string, unknown>[];

  beforeAll(async () => {
    planner = await startPlannerWithSpy(clock);
  });

  afterAll(() => planner?.close());

  it('waits for the release and is refused, linking nothing and announcing no hold.overridden after hold.released', async () => {
    clock.set('2026-10-01T05:00:00Z');
    const windowId = await planWindow(api, ['LA'], '2026-10-01T06:00:00Z', '2026-10-01T08:00:00Z');
    // A first hold held the run past its start: released, it leaves the run waiting for a new slot, not over.
    await placeHold(api, 'LA', '2026-10-01T05:00:00Z', '2026-10-01T06:10:00Z');
    clock.set('2026-10-01T06:11:00Z');
    await planner.service.app.get(PlannerSweep).sweep();
    expect((await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0]).toMatchObject({ number: 1, status: 'needs-reschedule' });
    // A second hold in force now links no run waiting for a new slot; an override would link the run to it.
    const holdId = await placeHold(api, 'LA', '2026-10-01T06:11:00Z', '2026-10-01T12:00:00Z');
    expect(await links(holdId)).toEqual([]);
    clock.advance(60_000);

    const hold = await planner.holds.get(holdId);
    let overriding: Promise<PlannerAnswer> | undefined;
    await planner.db.transaction(async (tx) => {
      expect(await planner.holds.release(tx, hold, 'network-ops/key-1', 'polls closed')).toBe(true);
      overriding = api('POST', `/v1/windows/${windowId}/override`, { reason: 'the certificate expires today' });
      // The override waits on a lock this release holds (the hold set's; before, the outbox's key of the hold's region).
      await expectEventually(async () => expect(await planner.waitingOnLocks()).toBe(1));
    });
    const overridden = await overriding!;

    // As an override sent after the release: the hold no longer stops the window.
    expect(overridden, JSON.stringify(overridden.body)).toMatchObject({ status: 409, body: { code: 'not-held' } });
    expect(await planner.holdEvents(holdId)).toEqual(['hold.placed', 'hold.released']);
    expect(await links(holdId)).toEqual([]);
    expect((await api('GET', `/v1/holds/${holdId}`)).body).toMatchObject({ active: false, overrideCount: 0 });
    expect((await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0]).toMatchObject({ number: 1, status: 'needs-reschedule' });
  });
});
