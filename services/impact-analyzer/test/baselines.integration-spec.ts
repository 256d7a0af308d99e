import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  const baseline = async (query = '') => {
    const response = await service.fetch(`/v1/regions/IR/baseline${query}`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { metrics: MetricBaseline[] }).metrics;
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock });
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
});
