import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { plannerApi } from './support/planner-with-readers';

const clock = new ManualClock('2026-12-12T06:00:00Z');

describe('maintenance-planner: an override naming a run the window does not have', () => {
  let planner: ServiceUnderTest;
  const api = plannerApi(() => planner);
  const plan = async (region: string, surgePolicy: string) => {
    const answer = await api('POST', '/v1/windows', {
      title: `Upgrade in ${region}`,
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: [region] },
      startsAt: '2026-12-12T10:00:00Z',
      endsAt: '2026-12-12T10:30:00Z',
      plannedZone: 'UTC',
      surgePolicy,
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };

  beforeAll(async () => {
    planner = await startServiceUnderTest(plannerService, { clock });
  });

  afterAll(() => planner?.close());

  it('is a 404 occurrence-not-found whatever holds it, a hold in force or none, and whatever its surge policy', async () => {
    const unheld = await plan('UY', 'hold');
    const notifyOnly = await plan('UY', 'notify-only');
    for (const windowId of [unheld, notifyOnly]) {
      const answer = await api('POST', `/v1/windows/${windowId}/override`, { reason: 'x', occurrence: 99 });
      expect(answer.status, JSON.stringify(answer.body)).toBe(404);
      expect(answer.body.code).toBe('occurrence-not-found');
    }
    // A run it has, with nothing holding it: nothing to override.
    expect((await api('POST', `/v1/windows/${unheld}/override`, { reason: 'x', occurrence: 1 })).body.code).toBe('not-held');

    const hold = await api('POST', '/v1/holds', { regions: ['UY'], from: '2026-12-12T06:00:00Z', until: '2026-12-12T18:00:00Z', reason: 'Elections in UY' });
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    const held = await api('POST', `/v1/windows/${unheld}/override`, { reason: 'x', occurrence: 99 });
    expect([held.status, held.body.code]).toEqual([404, 'occurrence-not-found']);
  });
});
