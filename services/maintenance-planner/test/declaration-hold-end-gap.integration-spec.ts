/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleared, declared, plannerApi, planWindow, type PlannerWithReaders, startPlannerWithReaders } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-11T06:00:00Z');

/**
 * A run held past its start by a declaration whose end (its until and HOLD_COOLDOWN_MINUTES, 30 here, after it) has passed
 * with no clearance from the analyzer (none running): it waits for a new slot, as one a manual hold held past its start does
 * between that hold's end and the sweep releasing it. The gate, a what-if, the run's start and their 409's advice agree.
 */
describe("maintenance-planner: a run held past its start by a declaration whose end passed before its clearance", () => {
  let planner: PlannerWithReaders;

  const api = plannerApi(() => planner.service);
  const runOf = async (windowId: string) => (await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0] as Record<string, any>;
  const holdOf = async (surgeId: string) => ((await api('GET', '/v1/holds')).body.items as Record<string, any>[]).find((hold) => hold.causeId === surgeId);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'declaration-hold-end-gap');
  });

  afterAll(() => planner?.close());

  it('answers 409 run-awaits-new-slot at the gate, to a what-if and to its start, as for a manual hold; the clearance come, the sweep proposes a slot', async () => {
    clock.set('2026-12-11T06:00:00Z');
    const byDeclaration = await planWindow(api, ['UY'], '2026-12-11T06:20:00Z', '2026-12-11T06:50:00Z');
    const byHand = await planWindow(api, ['PY'], '2026-12-11T06:20:00Z', '2026-12-11T06:50:00Z');
    const surgeId = uuidv7();
    await planner.publisher.publish(declared(surgeId, 'UY', '2026-12-11T06:00:00Z', '2026-12-11T06:02:00Z'));
    await expectEventually(async () => expect((await api('GET', `/v1/windows/${byDeclaration}`)).body.status).toBe('held'));
    // A manual hold in the same position: to the end the declaration's holds to.
    const manual = await api('POST', '/v1/holds', { regions: ['PY'], from: '2026-12-11T06:00:00Z', until: '2026-12-11T06:32:00Z', reason: 'Election in PY' });
    expect(manual.status, JSON.stringify(manual.body)).toBe(201);

    // Past the run's start, before the end: held, and a what-if past the end foresees the wait.
    clock.set('2026-12-11T06:25:00Z');
    expect((await api('GET', `/v1/gate?windowId=${byDeclaration}`)).status).toBe(423);
    const foreseen = await api('GET', `/v1/gate?windowId=${byDeclaration}&at=2026-12-11T06:40:00Z`);
    expect(foreseen, JSON.stringify(foreseen.body)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1 } } });
    expect(foreseen.body.detail).toContain(`Window ${byDeclaration} has no run to start at 2026-12-11T06:40:00.000Z: run 1 waits for a new slot`);

    // The end passed; no clearance comes.
    clock.set('2026-12-11T06:33:00Z');
    const answer = await api('GET', `/v1/gate?windowId=${byDeclaration}`);
    expect(answer, JSON.stringify(answer.body)).toMatchObject({
      status: 409,
      body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, status: 'needs-reschedule', startsAt: '2026-12-11T06:20:00.000Z', endsAt: '2026-12-11T06:50:00.000Z', proposedSlot: null } },
    });
    const asManual = await api('GET', `/v1/gate?windowId=${byHand}`);
    expect({ status: asManual.status, code: asManual.body.code, waitingRun: asManual.body.waitingRun }).toEqual({ status: answer.status, code: answer.body.code, waitingRun: answer.body.waitingRun });
    // Its release, and so the slot proposed, come at the next sweep, as for the manual hold: not only once the clearance comes.
    expect(answer.body.detail).toContain("The planner proposes a slot at its next sweep, when it runs (PLANNER_SWEEP_INTERVAL_SECONDS is 0: the periodic sweep is off) of the hold's end");
    expect(answer.body.detail).not.toContain('clearance');
    const start = await api('POST', `/v1/windows/${byDeclaration}/occurrences/1/start`);
    expect(start, JSON.stringify(start.body)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, proposedSlot: null } } });
    expect((await runOf(byDeclaration)).status).toBe('held');
    expect((await api('POST', `/v1/windows/${byDeclaration}/override`, { reason: 'the fix must ship today' })).body.code).toBe('not-held');

    // The analyzer's clearance comes late: its release was due at the same end, and the sweep marks the run as the gate said.
    await planner.publisher.publish(cleared(surgeId, 'UY', '2026-12-11T06:00:00Z', '2026-12-11T06:02:00Z'));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ releaseDueAt: '2026-12-11T06:32:00.000Z' }));
    await planner.sweep.sweep();
    const waiting = await runOf(byDeclaration);
    expect(waiting).toMatchObject({ status: 'needs-reschedule', proposedSlot: { startsAt: expect.any(String) } });
    expect(await api('GET', `/v1/gate?windowId=${byDeclaration}`)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1, proposedSlot: waiting.proposedSlot } } });
  });
});
