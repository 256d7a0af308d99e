import type { HoldfastEvent } from '@holdfast/contracts';
import type { MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import type { ServiceConfig } from '@holdfast/service-kit';
import { ManualClock } from '@holdfast/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { PrometheusPollerService } from './prometheus-poller.service';

describe('PrometheusPollerService', () => {
  let prometheus: Server;
  let url: string;

  beforeAll(async () => {
    // Answers any instant query as Prometheus does: the value stamped with the `time` asked for.
    prometheus = createServer((request, response) => {
      const time = Number(new URL(request.url!, 'http://prometheus').searchParams.get('time'));
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { country: 'IR' }, value: [time, '42'] }] } }));
    });
    await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => prometheus.close(() => resolve())));

  /** A replica's poller on its own clock, and what it published. */
  const replica = (now: string) => {
    const published: HoldfastEvent<'traffic.sample'>[] = [];
    const settings = { prometheus: { url, queries: [{ metric: 'requests_per_second', query: 'sum by (country) (rate(edge_requests_total[1m]))' }], regionLabel: 'country', intervalMs: 30_000 } };
    const messaging = { publisher: { publish: async (...events: HoldfastEvent<'traffic.sample'>[]) => void published.push(...events) } };
    const poller = new PrometheusPollerService(
      { settings } as unknown as ServiceConfig<AnalyzerSettings>,
      messaging as unknown as MessagingRuntime,
      new RegionCatalog(),
      new ManualClock(now),
      new MetricsRegistry('impact-analyzer', false),
    );
    return { poller, published };
  };

  it('stamps the sample with the start of the poll interval, so replicas polling in the same interval publish the same sample', async () => {
    const first = replica('2026-06-14T21:00:04.250Z');
    const second = replica('2026-06-14T21:00:29.900Z');
    expect(await first.poller.pollOnce()).toBe(1);
    expect(await second.poller.pollOnce()).toBe(1);
    const samples = [...first.published, ...second.published].map((event) => event.data);
    expect(samples).toEqual([
      { region: 'IR', metric: 'requests_per_second', at: '2026-06-14T21:00:00.000Z', value: 42, source: 'prometheus' },
      { region: 'IR', metric: 'requests_per_second', at: '2026-06-14T21:00:00.000Z', value: 42, source: 'prometheus' },
    ]);
  });
});
