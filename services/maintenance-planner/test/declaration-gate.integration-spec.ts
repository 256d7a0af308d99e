/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleared, declared, placeHold, plannerApi, planWindow, type PlannerWithReaders, startPlannerWithReaders, windowPlan } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-09T06:00:00Z');

describe("maintenance-planner: the gate ends a declaration's hold at its until and the cool-down after it", () => {
  let planner: PlannerWithReaders;

  const api = plannerApi(() => planner.service);
  const planning = (region: string, startsAt: string, endsAt: string) => api('POST', '/v1/windows', windowPlan([region], startsAt, endsAt, { plannedZone: 'America/Lima' }));
  const plan = (region: string, startsAt: string, endsAt: string) => planWindow(api, [region], startsAt, endsAt, { plannedZone: 'America/Lima' });
  const holdOf = async (surgeId: string) => ((await api('GET', '/v1/holds')).body.items as Record<string, any>[]).find((hold) => hold.causeId === surgeId);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'declaration-gate');
  });

  afterAll(() => planner?.close());

  it('answers 200 for an instant or a run after that end, lists that end as the 409 window-in-hold does, and lets no override through what it does not hold', async () => {
    clock.set('2026-12-09T06:00:00Z');
    const surgeId = uuidv7();
    await planner.publisher.publish(declared(surgeId, 'PE', '2026-12-09T06:00:00Z', '2026-12-09T06:02:00Z'));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true, until: '2026-12-09T06:02:00.000Z' }));
    // Hours after the period: taken, as planning reads the hold.
    const after = await plan('PE', '2026-12-09T10:00:00Z', '2026-12-09T10:30:00Z');

    // During the period: held until the end the gate enforces, named alike by the gate and by planning's refusal.
    const held = await api('GET', '/v1/gate?regions=PE');
    expect(held).toMatchObject({ status: 423, retryAfter: String(32 * 60) });
    expect(held.body.holds).toEqual([expect.objectContaining({ source: 'declaration', until: '2026-12-09T06:32:00.000Z' })]);
    const refused = await planning('PE', '2026-12-09T06:10:00Z', '2026-12-09T06:20:00Z');
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.holds.map((hold: { until: string }) => hold.until)).toEqual(held.body.holds.map((hold: { until: string }) => hold.until));

    expect((await api('GET', '/v1/gate?regions=PE&at=2026-12-09T06:31:59Z')).status).toBe(423);
    expect((await api('GET', '/v1/gate?regions=PE&at=2026-12-09T06:32:00Z')).status).toBe(200);
    const daysLater = await api('GET', '/v1/gate?regions=PE&at=2026-12-22T06:00:00Z');
    expect(daysLater.status, JSON.stringify(daysLater.body)).toBe(200);
    const window = await api('GET', `/v1/gate?windowId=${after}`);
    expect(window.status, JSON.stringify(window.body)).toBe(200);
    expect((await api('GET', `/v1/windows/${after}`)).body.status).toBe('scheduled');
    // Nothing to let through: the hold ends before the run starts.
    const override = await api('POST', `/v1/windows/${after}/override`, { reason: 'the fix must ship today' });
    expect(override.status, JSON.stringify(override.body)).toBe(409);
    expect(override.body.code).toBe('not-held');
  });

  it("lists a declaration's hold as holding to the end the gate's 423 names, its until and the cool-down, and once cleared to its release due", async () => {
    clock.set('2026-12-11T06:00:00Z');
    const surgeId = uuidv7();
    await planner.publisher.publish(declared(surgeId, 'EC', '2026-12-11T06:00:00Z', '2026-12-11T08:00:00Z'));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true }));
    const gated = (await api('GET', '/v1/gate?regions=EC')).body.holds as Record<string, any>[];
    expect(gated).toEqual([expect.objectContaining({ source: 'declaration', until: '2026-12-11T08:30:00.000Z' })]);
    const listed = await holdOf(surgeId);
    // The hold's own until stays the period declared; holdsUntil is the end the gate holds runs to.
    expect(listed).toMatchObject({ until: '2026-12-11T08:00:00.000Z', releaseDueAt: null, holdsUntil: gated[0].until });
    expect((await api('GET', `/v1/holds/${listed!.id}`)).body).toMatchObject({ until: '2026-12-11T08:00:00.000Z', holdsUntil: gated[0].until });

    // Cancelled early: the release falls due a cool-down after the clearance, as the gate lists it.
    clock.set('2026-12-11T07:00:00Z');
    await planner.publisher.publish(cleared(surgeId, 'EC', '2026-12-11T06:00:00Z', '2026-12-11T07:00:00Z'));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ releaseDueAt: '2026-12-11T07:30:00.000Z' }));
    const due = (await api('GET', '/v1/gate?regions=EC')).body.holds as Record<string, any>[];
    expect(due).toEqual([expect.objectContaining({ releaseDueAt: '2026-12-11T07:30:00.000Z' })]);
    expect(await holdOf(surgeId)).toMatchObject({ holdsUntil: '2026-12-11T07:30:00.000Z' });

    // A manual hold holds to its until, no cool-down after it, as the gate lists it.
    const manual = await placeHold(api, 'CO', '2026-12-11T07:00:00Z', '2026-12-11T09:00:00Z');
    expect((await api('GET', '/v1/gate?regions=CO')).body.holds).toEqual([expect.objectContaining({ id: manual, until: '2026-12-11T09:00:00.000Z' })]);
    expect((await api('GET', `/v1/holds/${manual}`)).body).toMatchObject({ until: '2026-12-11T09:00:00.000Z', holdsUntil: '2026-12-11T09:00:00.000Z' });
  });

  it('refuses a run held in the cool-down once that end passed, its clearance still on its way, at the gate and at its start alike: it waits for a new slot', async () => {
    clock.set('2026-12-10T06:00:00Z');
    const inCoolDown = await plan('BO', '2026-12-10T06:20:00Z', '2026-12-10T06:50:00Z');
    const surgeId = uuidv7();
    await planner.publisher.publish(declared(surgeId, 'BO', '2026-12-10T06:00:00Z', '2026-12-10T06:02:00Z'));
    await expectEventually(async () => expect((await api('GET', `/v1/windows/${inCoolDown}`)).body.status).toBe('held'));
    clock.set('2026-12-10T06:31:00Z');
    expect((await api('GET', `/v1/gate?windowId=${inCoolDown}`)).status).toBe(423);
    expect((await api('POST', `/v1/windows/${inCoolDown}/occurrences/1/start`)).status).toBe(423);

    // Held past its start, as by a manual hold ended by its until (declaration-hold-end-gap.integration-spec.ts).
    clock.set('2026-12-10T06:33:00Z');
    const gate = await api('GET', `/v1/gate?windowId=${inCoolDown}`);
    expect(gate, JSON.stringify(gate.body)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1 } } });
    const start = await api('POST', `/v1/windows/${inCoolDown}/occurrences/1/start`);
    expect(start, JSON.stringify(start.body)).toMatchObject({ status: 409, body: { code: 'run-awaits-new-slot', waitingRun: { number: 1 } } });
  });
});
