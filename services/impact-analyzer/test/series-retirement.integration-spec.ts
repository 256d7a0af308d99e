import { Topics } from '@holdfast/contracts';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { AnalyzerJobsService } from '../src/jobs/analyzer-jobs.service';
import { postAll, recordEvents } from './support/analyzer-harness';

interface Baseline {
  metrics: { metric: string; sampleCount: number; signalLostAt: string | null }[];
}

describe('impact-analyzer: DELETE /v1/regions/{region}/series/{metric} retires a series whose metric is gone', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let signals: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  const runJobs = () => service.app.get(AnalyzerJobsService).runOnce();
  const retire = (path: string, headers: Record<string, string> = {}) => service.fetch(path, { method: 'DELETE', headers });
  const baseline = async () => (await (await service.fetch('/v1/regions/IR/baseline')).json()) as Baseline;
  /** The lost-signal gauge of each IR series, as `metric value`. */
  const lostGauges = async () =>
    [...(await (await service.fetch('/metrics')).text()).matchAll(/^holdfast_analyzer_signal_lost\{([^}]*)\} (\d+)$/gm)]
      .filter(([, labels]) => labels.includes('region="IR"'))
      .map(([, labels, value]) => `${/metric="([^"]+)"/.exec(labels)![1]} ${value}`)
      .sort();

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, {
      clock,
      environment: { ANALYZER_JOB_INTERVAL_MS: '600000', ANALYZER_DETECTION: JSON.stringify({ defaults: { signalLossAfterSeconds: 600 }, regions: { IR: { onSignalLoss: 'hold' } } }) },
    });
    surges = await recordEvents(service);
    signals = await recordEvents(service, Topics.regionSignals, 'signal-reader');
  });

  afterAll(async () => {
    await surges?.stop();
    await signals?.stop();
    await service?.close();
  });

  it('forgets its state and clears the hold of its lost signal with the reason, so the region is no longer held for ever; its samples later start it afresh', async () => {
    await postAll(service, [
      { region: 'IR', metric: 'requests', at: '2026-06-14T20:55:00Z', value: 100 },
      { region: 'IR', metric: 'requests_total', at: '2026-06-14T20:55:00Z', value: 100 },
    ]);
    await expectEventually(async () => expect((await baseline()).metrics?.map((metric) => metric.sampleCount)).toEqual([1, 1]));
    // `requests` was renamed `requests_total`, whose samples go on; `requests` never comes back, and IR is held for it.
    clock.set('2026-06-14T21:16:00Z');
    await postAll(service, [{ region: 'IR', metric: 'requests_total', at: '2026-06-14T21:15:00Z', value: 100 }]);
    await expectEventually(async () => expect((await baseline()).metrics.find((metric) => metric.metric === 'requests_total')?.sampleCount).toBe(2));
    await runJobs();
    await expectEventually(() => expect(surges.events().map((event) => `${event.type} ${event.data.metric}`)).toEqual(['surge.started requests']));
    const held = surges.events()[0].data.surgeId;
    expect(await lostGauges()).toEqual(['requests 1', 'requests_total 0']);

    // A reason is required, and the series must exist.
    const withoutReason = await retire('/v1/regions/IR/series/requests');
    expect(withoutReason.status).toBe(400);
    expect(await withoutReason.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'reason' }] });
    expect((await retire('/v1/regions/IR/series/requests?reason=%20%20')).status).toBe(400);
    const unknownSeries = await retire('/v1/regions/IR/series/requests_per_second?reason=renamed');
    expect(unknownSeries.status).toBe(404);
    expect(await unknownSeries.json()).toMatchObject({ code: 'series-not-found', detail: 'IR has no series requests_per_second: GET /v1/regions/IR/baseline lists its metrics.' });
    expect(await (await retire('/v1/regions/UK/series/requests?reason=renamed')).json()).toMatchObject({ status: 404, code: 'unknown-region' });
    expect((await fetch(`${service.baseUrl}/v1/regions/IR/series/requests?reason=renamed`, { method: 'DELETE' })).status).toBe(401);

    clock.set('2026-06-14T21:20:00Z');
    const retired = await retire('/v1/regions/ir/series/requests?reason=renamed%20requests_total%20in%20the%20edge%20exporter');
    expect(retired.status).toBe(200);
    expect(await retired.json()).toEqual({
      region: 'IR',
      metric: 'requests',
      lastSampleAt: '2026-06-14T20:55:00.000Z',
      signalLostAt: '2026-06-14T21:16:00.000Z',
      retiredAt: '2026-06-14T21:20:00.000Z',
      clearedSurges: [held],
    });
    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(surges.events()[1].data).toMatchObject({
      surgeId: held,
      clearedAt: '2026-06-14T21:20:00.000Z',
      reason: 'The requests series of IR was retired by platform/bootstrap: renamed requests_total in the edge exporter',
    });
    expect(surges.events()[1].headers.ce_correlationid).toBe('signal-loss:IR/requests');
    expect(await (await service.fetch('/v1/surges?status=active')).json()).toMatchObject({ items: [] });
    expect((await baseline()).metrics.map((metric) => metric.metric)).toEqual(['requests_total']);
    // The gauge no longer says the signal is lost: the series is dropped at the next run.
    await runJobs();
    expect(await lostGauges()).toEqual(['requests_total 0']);
    expect((await retire('/v1/regions/IR/series/requests?reason=again')).status).toBe(404);

    // A sample of it arriving later starts the series afresh, neither lost nor restored.
    await postAll(service, [{ region: 'IR', metric: 'requests', at: '2026-06-14T21:21:00Z', value: 100 }]);
    await expectEventually(async () => expect((await baseline()).metrics.find((metric) => metric.metric === 'requests')).toMatchObject({ sampleCount: 1, signalLostAt: null }));
    await runJobs();
    expect(await lostGauges()).toEqual(['requests 0', 'requests_total 0']);
    expect(signals.events().map((event) => `${event.type} ${event.data.metric}`)).toEqual(['signal.lost requests']);
    expect(surges.events()).toHaveLength(2);
  });
});
