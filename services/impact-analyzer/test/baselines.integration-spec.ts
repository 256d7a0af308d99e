import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzerService } from '../src/app.module';
import { postAll } from './support/analyzer-harness';

interface MetricBaseline {
  metric: string;
  zone: string;
  values: (number | null)[];
  sampleCounts: number[];
  sampleCount: number;
  note?: string;
}

describe('impact-analyzer: GET /v1/regions/{region}/baseline, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  const clock = new ManualClock('2026-06-14T21:00:00Z');
  // What the service said at boot: its warnings and info lines, as [fields, message].
  const atBoot = { warnings: [] as unknown[][], lines: [] as unknown[][] };

  const answer = async (region: string, query = '') => {
    const response = await service.fetch(`/v1/regions/${region}/baseline${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { detection: Record<string, unknown>; metrics: MetricBaseline[] };
  };
  const baseline = async (query = '') => (await answer('IR', query)).metrics;

  beforeAll(async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn');
    const said = vi.spyOn(Logger.prototype, 'log');
    try {
      service = await startServiceUnderTest(analyzerService, { clock, environment: { ANALYZER_DETECTION: JSON.stringify({ defaults: { sensitivity: 2 }, regions: { DE: { directions: ['down'], warmupCeiling: 500 } } }) } });
    } finally {
      atBoot.warnings = warned.mock.calls;
      atBoot.lines = said.mock.calls;
      vi.restoreAllMocks();
    }
  });

  afterAll(async () => {
    await service?.close();
  });

  it("answers for the region when one metric's stored state cannot be read, that metric as learning again", async () => {
    await postAll(
      service,
      ['requests', 'errors'].flatMap((metric) => ['20:50', '20:55'].map((time) => ({ region: 'IR', metric, at: `2026-06-14T${time}:00Z`, value: 100 }))),
    );
    await expectEventually(async () => expect((await baseline()).map((metric) => metric.sampleCount)).toEqual([2, 2]));
    // As another detector version would have left it.
    await service.app.get(DataSource).query(`UPDATE series_state SET state = '{"version": 1}' WHERE region = 'IR' AND metric = 'errors'`);

    const [errors, requests] = await baseline();
    expect(errors).toEqual({
      metric: 'errors',
      zone: 'Asia/Tehran',
      values: Array.from({ length: 168 }, () => null),
      sampleCounts: Array.from({ length: 168 }, () => 0),
      sampleCount: 0,
      note: "The detector's stored state for errors could not be read (another detector version wrote it): it learns again from its next sample.",
      lastSampleAt: '2026-06-14T20:55:00.000Z',
      signalLostAt: null,
      publishedAt: null,
      warmUp: { learnedHours: 0, neededHours: 24, warmupCeiling: null },
      rearming: null,
    });
    // Two samples five minutes apart: ten minutes learned of the day a series learns before it decides.
    expect(requests).toMatchObject({ metric: 'requests', sampleCount: 2, warmUp: { learnedHours: 0.17, neededHours: 24, warmupCeiling: null } });
    expect(requests).not.toHaveProperty('note');
    expect((await baseline('?metric=errors')).map((metric) => metric.sampleCount)).toEqual([0]);

    await postAll(service, [{ region: 'IR', metric: 'errors', at: '2026-06-14T21:00:00Z', value: 100 }]);
    // The intake found it unreadable too and learned the sample on a fresh state.
    const [relearned] = await expectEventually(async () => {
      const metrics = await baseline('?metric=errors');
      expect(metrics[0].sampleCount).toBe(1);
      return metrics;
    });
    expect(relearned).not.toHaveProperty('note');
  });

  it('answers the detection settings in force for the region, its own over the defaults, as the boot log says them', async () => {
    await postAll(service, [{ region: 'DE', at: '2026-06-14T20:55:00Z', value: 100 }, { region: 'NP', at: '2026-06-14T20:55:00Z', value: 100 }]);
    const builtIn = { sensitivity: 1, coolDownSamples: 12, rearmAfterSamples: 6, directions: ['up'], minimumVolume: 0, warmupSamples: 288, warmupCeiling: null, onSignalLoss: 'notify', signalLossAfterSeconds: 900 };
    const de = await expectEventually(() => answer('DE'));
    expect(de.detection).toEqual({ ...builtIn, sensitivity: 2, directions: ['down'], warmupCeiling: 500 });
    expect((await expectEventually(() => answer('NP'))).detection).toEqual({ ...builtIn, sensitivity: 2 });
    // Once at boot: the defaults and each configured region in force, and a warning for a region that reports collapses only.
    expect(atBoot.lines.filter(([fields]) => (fields as { scope?: string })?.scope !== undefined).map(([fields]) => fields)).toEqual([
      { scope: 'defaults', configured: ['sensitivity'], detection: { ...builtIn, sensitivity: 2 } },
      { scope: 'DE', configured: ['directions', 'warmupCeiling'], detection: de.detection },
    ]);
    expect(atBoot.warnings.map(([, message]) => message).filter((message) => String(message).includes('directions'))).toEqual([
      'DE: directions ["down"] (ANALYZER_DETECTION regions.DE) reports collapses only, no surge up; write ["up","down"] for both',
    ]);
  });
});
