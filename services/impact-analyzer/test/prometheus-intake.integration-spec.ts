import { MessagingRuntime } from '@holdfast/messaging';
import { expectEventually, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { analyzerService } from '../src/app.module';
import { PrometheusPollerService } from '../src/prometheus/prometheus-poller.service';
import { startExporter, startPrometheus, type RunningProcess, type TestExporter } from './support/monitoring-stack';

interface BaselineView {
  metrics: { metric: string; sampleCount: number; lastSampleAt: string }[];
}

describe('impact-analyzer: Prometheus as a sample source, against a real Prometheus scraping an exporter the test controls', () => {
  let exporter: TestExporter;
  let prometheus: RunningProcess;
  let service: ServiceUnderTest;

  const baseline = async (region: string): Promise<BaselineView | null> => {
    const response = await service.fetch(`/v1/regions/${region}/baseline`);
    return response.status === 200 ? ((await response.json()) as BaselineView) : null;
  };

  beforeAll(async () => {
    exporter = await startExporter('edge_requests_per_second');
    exporter.set({ country: 'IR', pop: 'thr-1' }, 120);
    exporter.set({ country: 'IR', pop: 'thr-2' }, 80);
    exporter.set({ country: 'np', pop: 'ktm-1' }, 40);
    exporter.set({ country: 'ZZ', pop: 'nowhere' }, 1);
    exporter.set({ pop: 'unlabelled' }, 7);
    prometheus = await startPrometheus({ exporterPort: exporter.port });
    await expectEventually(
      async () => {
        const answer = (await (await fetch(`${prometheus.url}/api/v1/query?query=edge_requests_per_second`)).json()) as { data: { result: unknown[] } };
        expect(answer.data.result.length).toBe(5);
      },
      { timeoutMs: 30_000, intervalMs: 250, message: 'Prometheus scraped the exporter' },
    );
    service = await startServiceUnderTest(analyzerService, {
      environment: {
        PROMETHEUS_URL: prometheus.url,
        PROMETHEUS_QUERIES: JSON.stringify([{ metric: 'requests_per_second', query: 'sum by (country) (edge_requests_per_second)' }]),
        PROMETHEUS_REGION_LABEL: 'country',
        PROMETHEUS_INTERVAL_SECONDS: '0.5',
      },
    });
  });

  afterAll(async () => {
    await service?.close();
    await prometheus?.stop();
    await exporter?.close();
  });

  it('polls the configured query, one sample per region from the configured label, and skips series without a known region', async () => {
    await expectEventually(
      async () => {
        const ir = await baseline('IR');
        expect(ir?.metrics[0]).toMatchObject({ metric: 'requests_per_second' });
        expect(ir!.metrics[0].sampleCount).toBeGreaterThanOrEqual(2);
        expect((await baseline('NP'))?.metrics[0].sampleCount).toBeGreaterThanOrEqual(2);
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const samplesIn = (await (await service.fetch(`/metrics`)).text()).match(/holdfast_analyzer_samples_total\{[^}]*source="prometheus"[^}]*outcome="assessed"[^}]*\} (\d+)/);
    expect(Number(samplesIn?.[1])).toBeGreaterThanOrEqual(4);
    const metrics = await (await service.fetch(`/metrics`)).text();
    expect(metrics).toMatch(/holdfast_analyzer_prometheus_series_total\{[^}]*outcome="unknown-region"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/holdfast_analyzer_prometheus_series_total\{[^}]*outcome="no-region-label"[^}]*\} [1-9]/);
    // One poll on demand publishes IR and NP: the two series with a known region.
    expect(await service.app.get(PrometheusPollerService).pollOnce()).toBe(2);
  });

  it('samples no region a query answers with several series (one per pop, not aggregated), and says how to aggregate it', async () => {
    const raw = await startServiceUnderTest(analyzerService, {
      environment: {
        PROMETHEUS_URL: prometheus.url,
        PROMETHEUS_QUERIES: JSON.stringify([{ metric: 'requests_per_pop', query: 'edge_requests_per_second' }]),
        PROMETHEUS_REGION_LABEL: 'country',
        PROMETHEUS_INTERVAL_SECONDS: '0.5',
      },
    });
    try {
      const metricsOf = async (region: string) => {
        const response = await raw.fetch(`/v1/regions/${region}/baseline`);
        return response.status === 200 ? ((await response.json()) as BaselineView).metrics : [];
      };
      await expectEventually(async () => expect((await metricsOf('NP')).find((metric) => metric.metric === 'requests_per_pop')?.sampleCount).toBeGreaterThanOrEqual(2), { timeoutMs: 30_000, intervalMs: 250 });
      // IR's two pops answer 120 and 80: taking either as IR's traffic would be wrong, and the two together are not its sum.
      expect((await metricsOf('IR')).map((metric) => metric.metric)).not.toContain('requests_per_pop');
      const several = (await (await raw.fetch('/metrics')).text()).match(/holdfast_analyzer_prometheus_series_total\{[^}]*metric="requests_per_pop"[^}]*outcome="several-per-region"[^}]*\} (\d+)/);
      expect(Number(several?.[1])).toBeGreaterThanOrEqual(2);
    } finally {
      await raw.close();
    }
  });

  it('counts a query that matches nothing (a misspelt metric name) as empty, where Prometheus answers it without an error', async () => {
    const misspelt = await startServiceUnderTest(analyzerService, {
      environment: {
        PROMETHEUS_URL: prometheus.url,
        PROMETHEUS_QUERIES: JSON.stringify([{ metric: 'requests_misspelt', query: 'sum by (country) (edge_request_per_second)' }]),
        PROMETHEUS_REGION_LABEL: 'country',
        PROMETHEUS_INTERVAL_SECONDS: '0.5',
      },
    });
    try {
      await expectEventually(
        async () => {
          const empty = (await (await misspelt.fetch('/metrics')).text()).match(/holdfast_analyzer_prometheus_series_total\{[^}]*metric="requests_misspelt"[^}]*outcome="empty"[^}]*\} (\d+)/);
          expect(Number(empty?.[1])).toBeGreaterThanOrEqual(2);
        },
        { timeoutMs: 30_000, intervalMs: 250 },
      );
    } finally {
      await misspelt.close();
    }
  });

  it('says which labels the series carry when none has the region label, and which values name no region, each once rather than at every poll', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn');
    // PROMETHEUS_REGION_LABEL left at its default, region, which the exporter's series do not carry.
    const unlabelled = await startServiceUnderTest(analyzerService, {
      environment: {
        PROMETHEUS_URL: prometheus.url,
        PROMETHEUS_QUERIES: JSON.stringify([
          { metric: 'requests_by_country', query: 'sum by (country) (edge_requests_per_second)' },
          { metric: 'requests_by_region', query: 'sum by (region) (label_replace(edge_requests_per_second{country!=""}, "region", "$1", "country", "(.*)"))' },
        ]),
        PROMETHEUS_INTERVAL_SECONDS: '0.5',
      },
    });
    try {
      const outcome = async (metric: string, outcome: string) =>
        Number((await (await unlabelled.fetch('/metrics')).text()).match(new RegExp(`holdfast_analyzer_prometheus_series_total\\{[^}]*metric="${metric}"[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`))?.[1] ?? 0);
      // Four polls at least, each of them counted.
      await expectEventually(async () => expect(await outcome('requests_by_country', 'no-region-label')).toBeGreaterThanOrEqual(16), { timeoutMs: 30_000, intervalMs: 250 });
      expect(await outcome('requests_by_region', 'unknown-region')).toBeGreaterThanOrEqual(3);
      const said = warned.mock.calls.map(([, message]) => String(message)).filter((message) => message.startsWith('Prometheus query for requests_by_'));
      expect(said).toHaveLength(2);
      expect(said).toEqual(
        expect.arrayContaining([
          // IR, np and ZZ, and the exporter's series with no country summed into one with no label at all.
          expect.stringContaining(
            "Prometheus query for requests_by_country answered no series with the region label, so none was sampled: its 4 series carry country but no region: set PROMETHEUS_REGION_LABEL=country or add region to the query's by()",
          ),
          expect.stringContaining(
            'Prometheus query for requests_by_region answered 1 series whose region is no region Holdfast knows (ZZ), so it was not sampled: make the label an ISO 3166-1 alpha-2 code (GB) or a custom region declared in HOLDFAST_CUSTOM_REGIONS',
          ),
        ]),
      );
    } finally {
      warned.mockRestore();
      await unlabelled.close();
    }
  });

  it("logs a query Prometheus refuses as malformed once, naming it, the query and Prometheus's parse error, and samples the others", async () => {
    const failed = vi.spyOn(Logger.prototype, 'error');
    const broken = 'sum by (country (edge_requests_per_second)';
    const checked = await startServiceUnderTest(analyzerService, {
      environment: {
        PROMETHEUS_URL: prometheus.url,
        PROMETHEUS_QUERIES: JSON.stringify([
          { metric: 'requests_checked', query: 'sum by (country) (edge_requests_per_second)' },
          { metric: 'requests_malformed', query: broken },
        ]),
        PROMETHEUS_REGION_LABEL: 'country',
        PROMETHEUS_INTERVAL_SECONDS: '0.5',
      },
    });
    try {
      const outcome = async (metric: string, outcome: string) =>
        Number((await (await checked.fetch('/metrics')).text()).match(new RegExp(`holdfast_analyzer_prometheus_series_total\\{[^}]*metric="${metric}"[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`))?.[1] ?? 0);
      // Four polls at least, the first at boot.
      await expectEventually(async () => expect(await outcome('requests_malformed', 'query-failed')).toBeGreaterThanOrEqual(4), { timeoutMs: 30_000, intervalMs: 250 });
      expect(await outcome('requests_checked', 'sampled')).toBeGreaterThanOrEqual(8);
      const said = failed.mock.calls.filter(([fields]) => (fields as { metric?: string }).metric === 'requests_malformed');
      expect(said).toHaveLength(1);
      const [fields, message] = said[0] as [{ query: string; prometheusError: string }, string];
      expect(fields.query).toBe(broken);
      expect(fields.prometheusError).toMatch(/^invalid parameter "query": 1:\d+: parse error: /);
      expect(message).toBe(
        `Prometheus refuses the query for requests_malformed as malformed (${fields.prometheusError}): ${broken}. Fix it in PROMETHEUS_QUERIES and restart the analyzer; until then no region is sampled from it (logged once, again if Prometheus's message changes)`,
      );
    } finally {
      failed.mockRestore();
      await checked.close();
    }
  });

  it('keeps polling after a poll whose publish failed', async () => {
    const { publisher } = service.app.get(MessagingRuntime);
    const poller = service.app.get(PrometheusPollerService);
    // A producer that is not connected refuses the send, as it does while Kafka is away.
    await publisher.disconnect();
    try {
      expect(await poller.pollOnce()).toBe(0);
    } finally {
      await publisher.connect();
    }
    expect(await poller.pollOnce()).toBe(2);
  });
});
