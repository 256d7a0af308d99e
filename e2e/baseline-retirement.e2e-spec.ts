import { expectEventually, ManualClock, startServiceUnderTest, uniqueTestId, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postAll, seasonalSeries } from '../services/impact-analyzer/test/support/analyzer-harness';
import { analyzerService } from '../services/impact-analyzer/src/app.module';
import { plannerService } from '../services/maintenance-planner/src/app.module';

const NO_BASELINE = 'CO: no learned baseline yet; scored as quiet at local night (01:00-05:00 America/Bogota).';

interface Suggestions {
  scoredRegions: string[];
  fallbackRegions: string[];
  notes: string[];
}

/**
 * A series retired on the analyzer leaves the planner's slot proposals, through region.baselines.v1
 * alone: its baseline's tombstone. Both services run in this process, on one topic prefix and one clock.
 */
describe("a retired series' baseline, from the analyzer to the planner's suggestions", () => {
  const clock = new ManualClock('2026-06-14T21:00:00Z');
  let planner: ServiceUnderTest;
  let analyzer: ServiceUnderTest;

  beforeAll(async () => {
    const topicPrefix = `${uniqueTestId('baseline-retirement')}.`;
    [planner, analyzer] = await Promise.all([startServiceUnderTest(plannerService, { clock, topicPrefix }), startServiceUnderTest(analyzerService, { clock, topicPrefix })]);
  });

  afterAll(async () => {
    await analyzer?.close();
    await planner?.close();
  });

  it('is scored as learned until the series is retired, then at local night with a note', async () => {
    // 300 five-minute samples of CO/r2req: past the 288 a series learns before its baseline is published.
    await postAll(analyzer, seasonalSeries({ region: 'CO', zone: 'America/Bogota', from: '2026-06-13T20:00:00Z', count: 300 }).map((sample) => ({ ...sample, metric: 'r2req' })));
    const planned = await planner.fetch('/v1/windows', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Bogota edge firmware',
        ownerTeam: 'network-platform',
        footprint: { global: false, regions: ['CO'] },
        startsAt: '2026-06-16T17:00:00Z',
        endsAt: '2026-06-16T18:00:00Z',
        plannedZone: 'America/Bogota',
      }),
    });
    expect(planned.status, await planned.clone().text()).toBe(201);
    const { windowId } = (await planned.json()) as { windowId: string };
    const suggestions = async () => (await (await planner.fetch(`/v1/windows/${windowId}/suggestions`)).json()) as Suggestions;
    await expectEventually(async () => expect(await suggestions()).toMatchObject({ scoredRegions: ['CO'], fallbackRegions: [] }), { timeoutMs: 30_000 });

    expect((await analyzer.fetch('/v1/regions/CO/series/r2req?reason=renamed%20requests', { method: 'DELETE' })).status).toBe(200);
    expect((await analyzer.fetch('/v1/regions/CO/baseline')).status).toBe(404);
    const retired = await expectEventually(async () => {
      const answer = await suggestions();
      expect(answer.fallbackRegions).toEqual(['CO']);
      return answer;
    });
    expect(retired.notes).toContain(NO_BASELINE);
  });
});
