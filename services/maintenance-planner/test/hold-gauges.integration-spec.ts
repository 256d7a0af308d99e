import { expectEventually, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
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
  const activeHoldsIn = async (region: string) => Number(new RegExp(`^holdfast_active_holds\\{[^}]*region="${region}"[^}]*\\} (\\d+)$`, 'm').exec(await (await service.fetch('/metrics')).text())?.[1] ?? 0);

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
