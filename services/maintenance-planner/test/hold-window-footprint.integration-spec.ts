import { ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource, type EntityManager } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';

const clock = new ManualClock('2026-09-01T00:00:00Z');
const ELSEWHERE = ['DK', 'NO', 'SE', 'FI', 'EE', 'LV', 'LT', 'PL', 'CZ', 'SK', 'HU', 'AT', 'CH', 'LI', 'SI', 'HR', 'BA', 'RS', 'ME', 'AL'];

/** Planning a window meets the holds in force on its footprint only, however many others there are. */
describe('maintenance-planner: a window planned while many holds elsewhere are in force', () => {
  let service: ServiceUnderTest;
  let db: DataSource;

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { id: string; status: string } };
  };
  const plan = async (regions: string[]) => {
    const answer = await api('POST', '/v1/windows', { title: `switch firmware in ${regions.join(', ')}`, ownerTeam: 'network', footprint: { global: false, regions }, startsAt: '2026-09-03T10:00:00Z', endsAt: '2026-09-03T11:00:00Z', plannedZone: 'UTC' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id;
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    db = service.app.get(DataSource);
    for (const region of ELSEWHERE) {
      const answer = await api('POST', '/v1/holds', { regions: [region], from: '2026-09-01T00:00:00Z', until: '2026-10-01T00:00:00Z', reason: `Elections in ${region}` });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    }
  });

  afterAll(async () => {
    await service?.close();
  });

  /** The statements holdWindow sends, in a transaction of its own: fanOutHold and the audit send one or two per hold it is given. */
  const statements = (windowId: string) =>
    db.transaction(async (tx) => {
      let sent = 0;
      const counted = new Proxy(tx, {
        get: (target, property, receiver) =>
          property === 'query' ? (...args: Parameters<EntityManager['query']>) => (sent++, target.query(...args)) : Reflect.get(target, property, receiver),
      });
      await service.app.get(HoldsService).holdWindow(counted, windowId);
      return sent;
    });

  it('fans out only the holds on its footprint: one in NP among twenty elsewhere', async () => {
    const windowId = await plan(['NP']);
    // The holds read, and its status refreshed; each of the twenty holds elsewhere used to add its fan-out.
    expect(await statements(windowId)).toBe(2);
    expect((await api('GET', `/v1/windows/${windowId}`)).body.status).toBe('scheduled');

    const hold = await api('POST', '/v1/holds', { regions: ['NP'], from: '2026-09-01T00:00:00Z', until: '2026-10-01T00:00:00Z', reason: 'Elections in NP' });
    expect(hold.status).toBe(201);
    const nearby = await api('POST', '/v1/windows', {
      title: 'router in NP and DK',
      ownerTeam: 'network',
      footprint: { global: false, regions: ['NP', 'DK'] },
      startsAt: '2026-09-04T10:00:00Z',
      endsAt: '2026-09-04T11:00:00Z',
      plannedZone: 'UTC',
      override: { reason: 'security fix that cannot wait' },
    });
    expect(nearby.status, JSON.stringify(nearby.body)).toBe(201);
    // Its two holds (NP's and DK's) are met, and let it through as the override says; the eighteen others are not read.
    expect(await statements(nearby.body.id)).toBeLessThanOrEqual(2 + 2 * 2);
  });
});
