/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { ManualClock, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeHold, planWindow, plannerApi, startPlanner } from './support/planner-with-readers';

/**
 * GET /v1/holds/{id}: overrideCount counts the runs let through among those heldOccurrences counts (the links in force, or for a
 * released hold those its release let go of), and overrides lists them. An override on a run its window's cancel let go of is
 * no longer the hold's: counted, a hold read "1 held (2 of them let through)".
 */
describe('maintenance-planner: a hold counts the runs let through among the runs it counts', () => {
  const clock = new ManualClock('2026-08-01T00:00:00Z');
  let service: ServiceUnderTest;
  const api = plannerApi(() => service);

  const hold = async (id: string) => {
    const answer = await api('GET', `/v1/holds/${id}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  /** The runs the hold's runs list says it lets through: as many as overrideCount. */
  const listedLetThrough = async (id: string) => {
    const answer = await api('GET', `/v1/occurrences?hold=${id}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return (answer.body.items as any[]).filter((run) => run.byHold.overriddenBy !== null).map((run) => run.windowId as string);
  };

  beforeAll(async () => {
    service = await startPlanner(clock);
  });

  afterAll(() => service?.close());

  it('leaves out an override of a run its window let go of, while the hold is in force and once it is released', async () => {
    const kept = await planWindow(api, ['CL'], '2026-08-03T10:00:00Z', '2026-08-03T11:00:00Z');
    const dropped = await planWindow(api, ['CL'], '2026-08-03T12:00:00Z', '2026-08-03T13:00:00Z');
    const holdId = await placeHold(api, 'CL', '2026-08-02T00:00:00Z', '2026-08-05T00:00:00Z', 'Constitutional plebiscite');
    for (const windowId of [kept, dropped]) expect((await api('POST', `/v1/windows/${windowId}/override`, { reason: 'the certificate expires today' })).status).toBe(200);
    expect(await hold(holdId)).toMatchObject({ heldOccurrences: 2, overrideCount: 2 });

    expect((await api('POST', `/v1/windows/${dropped}/cancel`, { reason: 'the vendor withdrew the firmware' })).status).toBe(200);
    expect(await hold(holdId)).toMatchObject({ heldOccurrences: 1, overrideCount: 1, overrides: [expect.objectContaining({ windowId: kept })] });
    expect(await listedLetThrough(holdId)).toEqual([kept]);

    clock.advance(60_000);
    expect((await api('POST', `/v1/holds/${holdId}/release`, { reason: 'the count is over' })).status).toBe(200);
    expect(await hold(holdId)).toMatchObject({ active: false, heldOccurrences: 1, overrideCount: 1, overrides: [expect.objectContaining({ windowId: kept })] });
    expect(await listedLetThrough(holdId)).toEqual([kept]);
  });
});
