import { expectEventually, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { HoldsService } from '../src/holds/holds.service';

describe('maintenance-planner: the hold gauges after a request changes the holds, against PostgreSQL', () => {
  let service: ServiceUnderTest;

  beforeAll(async () => {
    // No sweep: its own refreshes would be counted below.
    service = await startServiceUnderTest(plannerService, { environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
  });

  afterAll(() => service?.close());

  const place = (region: string) =>
    service.fetch('/v1/holds', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ regions: [region], from: new Date().toISOString(), until: new Date(Date.now() + 86_400_000).toISOString(), reason: `Gauges in ${region}` }),
    });
  const post = async (path: string, body: unknown) => {
    const response = await service.fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, string> };
  };
  const heldOccurrences = async () => Number(/^holdfast_held_occurrences(?:\{[^}]*\})? (\d+)$/m.exec(await (await service.fetch('/metrics')).text())?.[1]);
  const activeHoldsIn = async (region: string) => Number(new RegExp(`^holdfast_active_holds\\{[^}]*region="${region}"[^}]*\\} (\\d+)$`, 'm').exec(await (await service.fetch('/metrics')).text())?.[1] ?? 0);

  it('counts a run held by two holds once, and neither one let through with an override nor one starting after its only hold is due to be released', async () => {
    const holds = service.app.get(HoldsService);
    const inHours = (hours: number) => new Date(Date.now() + hours * 3_600_000).toISOString();
    const plan = async (title: string, startsInHours: number) => {
      const planned = await post('/v1/windows', { title, ownerTeam: 'edge', footprint: { global: false, regions: ['MW'] }, startsAt: inHours(startsInHours), endsAt: inHours(startsInHours + 0.5), plannedZone: 'UTC' });
      expect(planned.status, JSON.stringify(planned.body)).toBe(201);
      return planned.body.windowId;
    };
    await plan('router swap', 2);
    await plan('switch firmware', 5);
    const overridden = await plan('certificate rotation', 3);
    const placeIn = async (reason: string) => {
      const placed = await post('/v1/holds', { regions: ['MW'], from: inHours(0), until: inHours(24), reason });
      expect(placed.status, JSON.stringify(placed.body)).toBe(201);
      return placed.body.id;
    };
    const first = await placeIn('Elections in MW');
    const second = await placeIn('Exams in MW');
    expect((await post(`/v1/windows/${overridden}/override`, { reason: 'the certificate expires first' })).status).toBe(200);
    await holds.refreshGauges();
    expect(await heldOccurrences()).toBe(2);

    // The second hold in a cool-down whose release is due between the two runs: it stops the first run only.
    const db = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
    await db.connect();
    try {
      await db.query('UPDATE hold SET cleared_at = now(), release_due_at = $2 WHERE id = $1', [second, inHours(4)]);
    } finally {
      await db.end();
    }
    expect((await post(`/v1/holds/${first}/release`, { reason: 'results are in' })).status).toBe(200);
    await holds.refreshGauges();
    expect(await heldOccurrences()).toBe(1);
  });

  it("answers a placement and a release without waiting for the gauges, which one refresh after them brings up to date", async () => {
    const holds = service.app.get(HoldsService);
    const refreshGauges = holds.refreshGauges.bind(holds);
    let refreshes = 0;
    let letFirstFinish!: () => void;
    const firstMayFinish = new Promise<void>((resolve) => (letFirstFinish = resolve));
    holds.refreshGauges = async () => {
      if (++refreshes === 1) await firstMayFinish;
      await refreshGauges();
    };
    try {
      // Answered while the first refresh cannot finish.
      expect((await place('LS')).status).toBe(201);
      const placed = await place('SZ');
      expect(placed.status).toBe(201);
      const { id } = (await placed.json()) as { id: string };
      expect((await service.fetch(`/v1/holds/${id}/release`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'no longer needed' }) })).status).toBe(200);
      expect(refreshes).toBe(1);
      letFirstFinish();
      // The changes that came during the first refresh share one more after it.
      await expectEventually(async () => expect(await activeHoldsIn('LS')).toBe(1));
      await expectEventually(() => expect(refreshes).toBe(2));
      expect(await activeHoldsIn('SZ')).toBe(0);
    } finally {
      letFirstFinish();
      holds.refreshGauges = refreshGauges;
    }
  });
});
