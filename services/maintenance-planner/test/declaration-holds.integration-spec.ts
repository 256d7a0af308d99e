/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock } from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleared, declared, eventsOf, plannerApi, planWindow, type PlannerWithReaders, startPlannerWithReaders, windowPlan } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-07T06:00:00Z');

describe("maintenance-planner: a declaration's hold ends at the period declared", () => {
  let planner: PlannerWithReaders;

  const api = plannerApi(() => planner.service);
  const planning = (startsAt: string, endsAt: string, region = 'IR') => api('POST', '/v1/windows', windowPlan([region], startsAt, endsAt, { plannedZone: 'Asia/Tehran' }));
  const plan = (startsAt: string, endsAt: string, region = 'IR', more: Record<string, unknown> = {}) => planWindow(api, [region], startsAt, endsAt, { plannedZone: 'Asia/Tehran', ...more });
  const status = async (windowId: string) => (await api('GET', `/v1/windows/${windowId}/occurrences`)).body.items[0].status as string;
  const holdOf = async (surgeId: string) => ((await api('GET', '/v1/holds')).body.items as Record<string, any>[]).find((hold) => hold.causeId === surgeId);

  beforeAll(async () => {
    planner = await startPlannerWithReaders(clock, 'declaration');
  });

  afterAll(() => planner?.close());

  it('is not made open-ended when its until passes a job tick before the clearance: it holds nothing after the period and its cool-down, and keeps its until', async () => {
    const during = await plan('2026-12-07T07:00:00Z', '2026-12-07T07:30:00Z');
    const inCoolDown = await plan('2026-12-07T08:10:00Z', '2026-12-07T08:20:00Z');
    const after = await plan('2026-12-07T09:00:00Z', '2026-12-07T09:30:00Z');
    const surgeId = uuidv7();
    await planner.publisher.publish(declared(surgeId, 'IR', '2026-12-07T06:00:00Z', '2026-12-07T08:00:00Z'));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true, until: '2026-12-07T08:00:00.000Z' }));
    const hold = (await holdOf(surgeId))!;
    expect(await status(during)).toBe('held');
    // Asked during the period, the gate says to ask again when the hold is released: the until declared and the cool-down.
    clock.set('2026-12-07T07:00:00Z');
    expect(await api('GET', '/v1/gate?regions=IR')).toMatchObject({ status: 423, retryAfter: String(90 * 60) });

    // The period is over; the analyzer's job clears the surge on its next tick, a few seconds on. A sweep meanwhile leaves the hold as declared.
    clock.set('2026-12-07T08:00:03Z');
    await planner.sweep.sweep();
    expect(await holdOf(surgeId)).toMatchObject({ active: true, until: '2026-12-07T08:00:00.000Z' });
    expect(((await api('GET', `/v1/audit?subject=${hold.id}`)).body.items as { action: string }[]).map((entry) => entry.action)).toEqual(['placed']);
    expect(await status(after)).toBe('scheduled');
    // Still in force until its clearance sets the release, which the clock puts at the until and the cool-down after it.
    expect(await api('GET', '/v1/gate?regions=IR')).toMatchObject({ status: 423, retryAfter: String(30 * 60 - 3) });
    // Nor is it a hold with no end for a window planned meanwhile, after the period and its cool-down.
    expect(await plan('2026-12-07T10:00:00Z', '2026-12-07T10:30:00Z')).toEqual(expect.any(String));

    await planner.publisher.publish(cleared(surgeId, 'IR', '2026-12-07T06:00:00Z', '2026-12-07T08:00:00Z'));
    await expectEventually(async () => expect((await holdOf(surgeId))?.releaseDueAt).toBe('2026-12-07T08:30:00.000Z'));
    expect(await status(inCoolDown)).toBe('held');
    clock.set('2026-12-07T08:31:00Z');
    await planner.sweep.sweep();
    expect(await holdOf(surgeId)).toMatchObject({ active: false, until: '2026-12-07T08:00:00.000Z' });
    expect(await status(after)).toBe('scheduled');
    await expectEventually(() => expect(eventsOf(planner.holdEvents, 'hold.released').find((event) => event.holdId === hold.id)?.windowIds?.sort()).toEqual([during, inCoolDown].sort()));
    // The window after the period was never announced held, nor released.
    expect(eventsOf(planner.windowEvents, 'window.held').filter((event) => event.windowId === after)).toEqual([]);
    expect(eventsOf(planner.windowEvents, 'window.released').filter((event) => event.windowId === after)).toEqual([]);
  });

  it('holds through the cool-down after the period from the start: planning, its advice, suggestions and the gate all end the hold where its release does', async () => {
    clock.set('2026-12-08T06:00:00Z');
    // Planned before the declaration, in what will be the cool-down after it; free to move within the morning (all day in Reykjavik, UTC).
    const flexibility = { earliestStartAt: '2026-12-08T07:00:00Z', deadlineAt: '2026-12-08T12:00:00Z' };
    const inCoolDown = await plan('2026-12-08T08:10:00Z', '2026-12-08T08:40:00Z', 'IS', { plannedZone: 'Atlantic/Reykjavik', flexibility });
    const surgeId = uuidv7();
    await planner.publisher.publish(declared(surgeId, 'IS', '2026-12-08T06:00:00Z', '2026-12-08T08:00:00Z'));
    await expectEventually(async () => expect(await holdOf(surgeId)).toMatchObject({ active: true, until: '2026-12-08T08:00:00.000Z' }));
    // Told held as the hold is placed, as the gate holds it, not only once the period ended and the clearance came.
    expect(await status(inCoolDown)).toBe('held');

    clock.set('2026-12-08T07:00:00Z');
    // Right after the period: refused, with the end the release will have, where "after its until" led into the cool-down.
    const refused = await planning('2026-12-08T08:00:00Z', '2026-12-08T08:30:00Z', 'IS');
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.detail).toContain(
      'Plan it for after 2026-12-08T08:30:00.000Z, when the hold ends, a 30-minute cool-down (HOLD_COOLDOWN_MINUTES) after its declared critical period ends at 2026-12-08T08:00:00.000Z (GET /v1/gate?regions=IS answers 200 once nothing holds IS)',
    );
    expect(refused.body.holds).toEqual([expect.objectContaining({ from: '2026-12-08T06:00:00.000Z', until: '2026-12-08T08:30:00.000Z' })]);
    // The gate says to ask again then too.
    expect(await api('GET', '/v1/gate?regions=IS')).toMatchObject({ status: 423, retryAfter: String(90 * 60) });
    // Followed, the advice is taken.
    const advised = await plan('2026-12-08T08:30:00Z', '2026-12-08T09:00:00Z', 'IS');

    // Suggestions start no earlier than the hold's end: the morning is all alike, so the earliest free slot comes first.
    const suggested = await api('GET', `/v1/windows/${inCoolDown}/suggestions`);
    expect(suggested.status, JSON.stringify(suggested.body)).toBe(200);
    const starts = (suggested.body.slots as { startsAt: string }[]).map((slot) => slot.startsAt);
    expect(starts[0]).toBe('2026-12-08T08:30:00.000Z');
    expect(starts.every((start) => start >= '2026-12-08T08:30:00.000Z'), starts.join(', ')).toBe(true);
    const moved = await api('PATCH', `/v1/windows/${inCoolDown}`, { version: 1, startsAt: starts[0], endsAt: '2026-12-08T09:00:00Z' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(await status(inCoolDown)).toBe('scheduled');

    // The period ends and clears; the release comes due when the advice said, and lets both start as planned.
    clock.set('2026-12-08T08:00:05Z');
    await planner.publisher.publish(cleared(surgeId, 'IS', '2026-12-08T06:00:00Z', '2026-12-08T08:00:00Z'));
    await expectEventually(async () => expect((await holdOf(surgeId))?.releaseDueAt).toBe('2026-12-08T08:30:00.000Z'));
    expect(await status(advised)).toBe('scheduled');
    expect(await status(inCoolDown)).toBe('scheduled');
    clock.set('2026-12-08T08:30:00Z');
    await planner.sweep.sweep();
    expect(await holdOf(surgeId)).toMatchObject({ active: false });
    expect(await api('GET', '/v1/gate?regions=IS')).toMatchObject({ status: 200 });
    expect(await status(advised)).toBe('scheduled');
    expect(await status(inCoolDown)).toBe('scheduled');
  });
});
