/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleared, declared, eventsOf, plannerApi, planWindow, type PlannerWithReaders, startPlannerWithReaders } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-14T06:00:00Z');

/**
 * A declaration's hold ends at its until and the cool-down after it (HOLD_COOLDOWN_MINUTES, 30 here), as the gate has it,
 * whether the analyzer's clearance comes or not: with the analyzer down, the sweep releases it then, and a run it held past
 * its start gets a new slot. The clearance coming later changes nothing.
 */
describe("maintenance-planner: a declaration's hold released at its end with no clearance from the analyzer", () => {
  let planner: PlannerWithReaders;

  const api = plannerApi(() => planner.service);
  const runOf = async (windowId: string) => (await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0] as Record<string, any>;
  const holdOf = async (surgeId: string) => ((await api('GET', '/v1/holds')).body.items as Record<string, any>[]).find((hold) => hold.causeId === surgeId);
  const trailOf = async (subject: string) => ((await api('GET', `/v1/audit?subject=${subject}`)).body.items as { action: string }[]).map((entry) => entry.action);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'declaration-release');
  });

  afterAll(() => planner?.close());

  it('is released by the sweep once its until and the cool-down passed, its run held past its start given a new slot, and a late clearance is a no-op', async () => {
    clock.set('2026-12-14T06:00:00Z');
    const windowId = await planWindow(api, ['SV'], '2026-12-14T06:20:00Z', '2026-12-14T06:50:00Z');
    const surgeId = uuidv7();
    await planner.publisher.publish(declared(surgeId, 'SV', '2026-12-14T06:00:00Z', '2026-12-14T06:02:00Z'));
    await expectEventually(async () => expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('held'));
    const holdId = (await holdOf(surgeId))!.id as string;

    // A minute before its end (06:02 and 30 minutes): still in force.
    clock.set('2026-12-14T06:31:00Z');
    expect(await planner.sweep.sweep()).toMatchObject({ released: 0 });
    expect(await holdOf(surgeId)).toMatchObject({ active: true });

    // Past it, no clearance having come: released by the sweep, as the gate already let the region go.
    clock.set('2026-12-14T06:33:00Z');
    expect(await planner.sweep.sweep()).toMatchObject({ released: 1 });
    expect(await holdOf(surgeId)).toMatchObject({
      active: false,
      releasedAt: '2026-12-14T06:33:00.000Z',
      releasedBy: null,
      releaseReason: 'The declared critical period ended at 06:02 UTC on Mon 14 Dec 2026 and the cool-down passed',
    });
    expect(await runOf(windowId)).toMatchObject({ status: 'needs-reschedule', proposedSlot: { startsAt: expect.any(String) } });
    expect(await api('GET', '/v1/gate?regions=SV')).toMatchObject({ status: 200 });
    // Its period as it was in force: to its end, not to the sweep that released it.
    const released = await expectEventually(() => {
      const event = eventsOf(planner.holdEvents, 'hold.released').find((candidate) => candidate.holdId === holdId);
      expect(event).toBeDefined();
      return event!;
    });
    expect(released).toMatchObject({ windowIds: [windowId], periodLocalTimes: [expect.objectContaining({ region: 'SV', untilLocal: '2026-12-14T00:32' })] });

    // The analyzer back, its clearance comes: nothing changes. A later declaration in the region, handled after it, says it was read.
    await planner.publisher.publish(cleared(surgeId, 'SV', '2026-12-14T06:00:00Z', '2026-12-14T06:02:00Z'));
    const nextId = uuidv7();
    await planner.publisher.publish(declared(nextId, 'SV', '2026-12-15T06:00:00Z', '2026-12-15T08:00:00Z'));
    await expectEventually(async () => expect(await holdOf(nextId)).toBeDefined());
    expect(await holdOf(surgeId)).toMatchObject({ active: false, releasedAt: '2026-12-14T06:33:00.000Z', clearedAt: null, releaseDueAt: null });
    expect(await trailOf(holdId)).toEqual(['placed', 'released']);
    expect((await trailOf(windowId)).filter((action) => action === 'needs-reschedule')).toHaveLength(1);
    expect(eventsOf(planner.holdEvents, 'hold.released').filter((event) => event.holdId === holdId)).toHaveLength(1);
  });
});
