import type { HoldfastEvent } from '@holdfast/contracts';
import type { MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import type { ServiceConfig } from '@holdfast/service-kit';
import { expectEventually, ManualClock } from '@holdfast/testing';
import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { PrometheusPollerService } from './prometheus-poller.service';

describe('PrometheusPollerService', () => {
  let prometheus: Server;
  let url: string;
  /** Queries the stand-in answers with no series, as Prometheus answers a misspelt metric name. */
  const matchingNothing = new Set<string>();
  /** Queries the stand-in answers with these series' labels, each valued 42. */
  const answering = new Map<string, Record<string, string>[]>();
  /** Queries the stand-in refuses as malformed, with this message of Prometheus's. */
  const malformed = new Map<string, string>();

  /**
   * Answers any instant query as Prometheus does: the value stamped with the `time` asked for; a
   * query that does not parse and a path it does not serve as Prometheus 2 answers them.
   */
  const answer = (request: IncomingMessage, response: ServerResponse): void => {
    const asked = new URL(request.url!, 'http://prometheus');
    // A proxy whose Prometheus is down answers with a page of its own.
    if (asked.pathname === '/behind-proxy/api/v1/query') return void response.writeHead(502, { 'content-type': 'text/html' }).end('<html><body>502 Bad Gateway</body></html>');
    // A Prometheus behind basic auth (a reverse proxy, web.config basic_auth_users, a hosted one).
    if (asked.pathname.startsWith('/secured/')) {
      if (request.headers.authorization !== `Basic ${Buffer.from('ops:pa ss@word').toString('base64')}`) return void response.writeHead(401, { 'www-authenticate': 'Basic' }).end('Unauthorized\n');
      asked.pathname = asked.pathname.slice('/secured'.length);
    }
    if (asked.pathname !== '/api/v1/query') return void response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    const time = Number(asked.searchParams.get('time'));
    const query = asked.searchParams.get('query')!;
    // A Prometheus that never answers: only the poller's own abort ends the request.
    if (query.startsWith('hanging')) return;
    response.setHeader('content-type', 'application/json');
    if (matchingNothing.has(query)) return void response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }));
    const series = answering.get(query);
    if (series) return void response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: series.map((metric) => ({ metric, value: [time, '42'] })) } }));
    if (query.startsWith('ratio')) {
      // A ratio of rates answers NaN where both are zero and ±Inf where only the divisor is; JP's is negative.
      const values = { IR: '42', DE: 'NaN', FR: 'NaN', US: '+Inf', GB: '-Inf', JP: '-3' };
      const result = Object.entries(values).map(([country, value]) => ({ metric: { country }, value: [time, value] }));
      return void response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    }
    const refusal = malformed.get(query) ?? (query.startsWith('sum by (country (') ? 'invalid parameter "query": 1:17: parse error: unexpected "(" in grouping opts, expected "," or ")"' : undefined);
    if (refusal) {
      response.statusCode = 400;
      return void response.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: refusal }));
    }
    // A query Prometheus gave up on: refused, but not as malformed.
    if (query.startsWith('heavy')) {
      response.statusCode = 503;
      return void response.end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }));
    }
    response.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { country: 'IR' }, value: [time, '42'] }] } }));
  };

  beforeAll(async () => {
    prometheus = createServer(answer);
    await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => prometheus.close(() => resolve())));

  afterEach(() => vi.restoreAllMocks());

  /** A replica's poller on its own clock, what it published, and its metrics. */
  const replica = (now: string, options: { base?: string; query?: string; regionLabel?: string; queries?: { metric: string; query: string }[] } = {}) => {
    const published: HoldfastEvent<'traffic.sample'>[] = [];
    const queries = options.queries ?? [{ metric: 'requests_per_second', query: options.query ?? 'sum by (country) (rate(edge_requests_total[1m]))' }];
    const settings = { prometheus: { url: options.base ?? url, queries, regionLabel: options.regionLabel ?? 'country', intervalMs: 30_000 } };
    const messaging = { publisher: { publish: async (...events: HoldfastEvent<'traffic.sample'>[]) => void published.push(...events) } };
    const metrics = new MetricsRegistry('impact-analyzer', false);
    const poller = new PrometheusPollerService(
      { settings } as unknown as ServiceConfig<AnalyzerSettings>,
      messaging as unknown as MessagingRuntime,
      new RegionCatalog(),
      new ManualClock(now),
      metrics,
    );
    return { poller, published, metrics };
  };

  it('polls once at start, not a whole interval after it, and stops polling at shutdown', async () => {
    const { poller, published } = replica('2026-06-14T21:00:04Z');
    poller.onApplicationBootstrap();
    try {
      // The interval is 30 s: a sample within 10 s (a loaded machine's slowest round trip to the stand-in, many times over) is the poll at start.
      await expectEventually(() => expect(published.map((event) => event.data.region)).toEqual(['IR']), { timeoutMs: 10_000, intervalMs: 10 });
    } finally {
      await poller.onApplicationShutdown();
    }
    expect(await poller.pollOnce()).toBe(0);
    expect(published).toHaveLength(1);
  });

  it('shuts down without waiting out a query Prometheus does not answer, and logs no failure for it', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { poller } = replica('2026-06-14T21:00:04Z', { query: 'hanging' });
    const polling = poller.pollOnce();
    const started = performance.now();
    await poller.onApplicationShutdown();
    // The query's own timeout is 5 s.
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await polling).toBe(0);
    expect(warned.mock.calls).toEqual([]);
  });

  it('counts NaN, ±Inf and negative values by query and reason, and says which regions once a poll rather than once a series', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { poller, published, metrics } = replica('2026-06-14T21:00:04Z', { query: 'ratio of rates' });
    expect(await poller.pollOnce()).toBe(1);
    expect(published.map((event) => event.data)).toEqual([{ region: 'IR', metric: 'requests_per_second', at: '2026-06-14T21:00:00.000Z', value: 42, source: 'prometheus' }]);
    const outcomes = (await metrics.registry.getSingleMetric('holdfast_analyzer_prometheus_series_total')!.get()).values.map(({ labels, value }) => [labels.metric, labels.outcome, value]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['requests_per_second', 'sampled', 1],
        ['requests_per_second', 'not-a-number', 2],
        ['requests_per_second', 'infinite', 2],
        ['requests_per_second', 'invalid-value', 1],
      ]),
    );
    expect(warned).toHaveBeenCalledTimes(1);
    const [fields, message] = warned.mock.calls[0] as [object, string];
    expect(fields).toMatchObject({ metric: 'requests_per_second', values: { NaN: ['DE', 'FR'], '+Inf': ['US'], '-Inf': ['GB'], '-3': ['JP'] } });
    expect(message).toContain('Prometheus query for requests_per_second answered NaN for DE, FR; +Inf for US; -Inf for GB; -3 for JP');

    // The same answer at the next poll is not a second warning (it is repeated every 30 s while it lasts).
    expect(await poller.pollOnce()).toBe(1);
    expect(warned).toHaveBeenCalledTimes(1);
  });

  it('counts a query answering no series as empty at every poll, and warns once when it starts answering nothing', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const said = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const misspelt = 'sum by (country) (rate(edge_request_total[1m]))';
    const { poller, metrics } = replica('2026-06-14T21:00:04Z', { query: misspelt });
    const outcomes = async () => (await metrics.registry.getSingleMetric('holdfast_analyzer_prometheus_series_total')!.get()).values.map(({ labels, value }) => [labels.metric, labels.outcome, value]);
    matchingNothing.add(misspelt);
    try {
      expect(await poller.pollOnce()).toBe(0);
      expect(await poller.pollOnce()).toBe(0);
      expect(await outcomes()).toEqual([['requests_per_second', 'empty', 2]]);
      expect(warned).toHaveBeenCalledTimes(1);
      const [fields, message] = warned.mock.calls[0] as [object, string];
      expect(fields).toEqual({ metric: 'requests_per_second', query: misspelt });
      expect(message).toContain('Prometheus query for requests_per_second answered no series');

      // Fixed at Prometheus's end (the metric now exported): said once, and a later run of empty answers is warned of again.
      matchingNothing.delete(misspelt);
      expect(await poller.pollOnce()).toBe(1);
      expect(said.mock.calls.map(([, message]) => message)).toEqual(['Prometheus query for requests_per_second answers series again']);
      matchingNothing.add(misspelt);
      expect(await poller.pollOnce()).toBe(0);
      expect(warned).toHaveBeenCalledTimes(2);
      expect(await outcomes()).toEqual(expect.arrayContaining([['requests_per_second', 'empty', 3], ['requests_per_second', 'sampled', 1]]));
    } finally {
      matchingNothing.delete(misspelt);
    }
  });

  it('warns once, not at every poll, when no series carries the region label, naming the labels they carry and the one that names regions; again after they carried it', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const said = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const query = 'sum by (country, instance, job) (http_requests_per_second)';
    const byCountry = ['IR', 'DE', 'FR'].map((country, index) => ({ country, instance: `edge-${index}:9100`, job: 'edge' }));
    answering.set(query, byCountry);
    try {
      const { poller, metrics } = replica('2026-06-14T21:00:04Z', { query, regionLabel: 'region' });
      expect(await poller.pollOnce()).toBe(0);
      expect(await poller.pollOnce()).toBe(0);
      const outcomes = (await metrics.registry.getSingleMetric('holdfast_analyzer_prometheus_series_total')!.get()).values.map(({ labels, value }) => [labels.outcome, value]);
      expect(outcomes).toEqual([['no-region-label', 6]]);
      expect(warned).toHaveBeenCalledTimes(1);
      const [fields, message] = warned.mock.calls[0] as [object, string];
      expect(fields).toMatchObject({ metric: 'requests_per_second', query, regionLabel: 'region', series: 3, labels: ['country', 'instance', 'job'] });
      expect(message).toMatch(
        /^Prometheus query for requests_per_second answered no series with the region label, so none was sampled: its 3 series carry country, instance, job but no region: set PROMETHEUS_REGION_LABEL=country or add region to the query's by\(\) \(logged every 300 s while it fails\)$/,
      );

      // Labelled at Prometheus's end: said once, and a later run without the label is warned of again.
      answering.set(query, byCountry.map(({ country, ...rest }) => ({ region: country, ...rest })));
      expect(await poller.pollOnce()).toBe(3);
      expect(said.mock.calls.map(([, message]) => message)).toEqual(['Prometheus query for requests_per_second answers its series with the region label region again']);
      answering.set(query, byCountry);
      expect(await poller.pollOnce()).toBe(0);
      expect(warned).toHaveBeenCalledTimes(2);
    } finally {
      answering.delete(query);
    }
  });

  it('suggests no label when none of those the series carry names regions, and says how many of them lack it when only some do', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const unlabelled = 'sum by (instance, job) (http_requests_per_second)';
    const some = 'sum by (country) (http_requests_per_second)';
    answering.set(unlabelled, [{ instance: 'edge-1:9100', job: 'edge' }, { instance: 'edge-2:9100', job: 'edge' }]);
    // Series with no country summed by it make one series with no label at all.
    answering.set(some, [{ country: 'IR' }, {}, { country: 'NP' }]);
    try {
      expect(await replica('2026-06-14T21:00:04Z', { query: unlabelled }).poller.pollOnce()).toBe(0);
      expect(await replica('2026-06-14T21:00:04Z', { query: some }).poller.pollOnce()).toBe(2);
      const messages = warned.mock.calls.map(([, message]) => String(message));
      expect(messages[0]).toContain(
        "answered no series with the region label, so none was sampled: its 2 series carry instance, job but no country: add country to the query's by(), or set PROMETHEUS_REGION_LABEL to the label that names the region",
      );
      expect(messages[1]).toContain(
        'answered 1 of its 3 series without the region label, so it was not sampled: it carries no label at all: give every series a country (label_replace in the query) or leave those without one out ({country!=""})',
      );
      expect(messages).toHaveLength(2);
    } finally {
      answering.delete(unlabelled);
      answering.delete(some);
    }
  });

  it('names the region label values that are no region, the first few with how many, and what to do, once rather than at every poll', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const query = 'sum by (country) (http_requests_per_second)';
    const unknown = ['XX', 'EU', 'Europe', 'global', 'ZZ', 'unknown', 'A1'];
    answering.set(query, [{ country: 'IR' }, ...unknown.map((country) => ({ country }))]);
    try {
      const { poller, metrics } = replica('2026-06-14T21:00:04Z', { query });
      expect(await poller.pollOnce()).toBe(1);
      expect(await poller.pollOnce()).toBe(1);
      const outcomes = (await metrics.registry.getSingleMetric('holdfast_analyzer_prometheus_series_total')!.get()).values.map(({ labels, value }) => [labels.outcome, value]);
      expect(outcomes).toEqual(expect.arrayContaining([['sampled', 2], ['unknown-region', 14]]));
      expect(warned).toHaveBeenCalledTimes(1);
      const [fields, message] = warned.mock.calls[0] as [object, string];
      expect(fields).toMatchObject({ metric: 'requests_per_second', query, regionLabel: 'country', unknown: ['XX', 'EU', 'Europe', 'global', 'ZZ'], unknownCount: 7 });
      expect(message).toMatch(
        /^Prometheus query for requests_per_second answered 7 series whose country is no region Holdfast knows \(XX, EU, Europe, global, ZZ and 2 more\), so they were not sampled: make the label an ISO 3166-1 alpha-2 code \(GB\) or a custom region declared in HOLDFAST_CUSTOM_REGIONS, or map its values to those with label_replace in the query/,
      );
    } finally {
      answering.delete(query);
    }
  });

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
    // Each event is stamped on the clock that chose its sample's instant, so none is older than its sample.
    expect([...first.published, ...second.published].map((event) => event.time)).toEqual(['2026-06-14T21:00:04.250Z', '2026-06-14T21:00:29.900Z']);
  });

  it('signs in to a Prometheus behind basic auth with the credentials of PROMETHEUS_URL, and logs none of them', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const secured = new URL(`${url}/secured`);
    secured.username = 'ops';
    secured.password = 'pa ss@word';
    const { poller, published } = replica('2026-06-14T21:00:04Z', { base: secured.href });
    expect(warned.mock.calls).toEqual([]);
    expect(await poller.pollOnce()).toBe(1);
    expect(published.map((event) => event.data.value)).toEqual([42]);

    secured.password = 'wrong-password';
    expect(await replica('2026-06-14T21:00:04Z', { base: secured.href }).poller.pollOnce()).toBe(0);
    const logged = JSON.stringify(warned.mock.calls.map(([fields, message]) => [(fields as { err: Error }).err.message, message]));
    expect(logged).toContain(`${url}/secured/api/v1/query answered 401 with no JSON`);
    expect(logged).not.toContain('wrong-password');
  });

  it('says what Prometheus answered and what to fix when it refuses a query otherwise than as malformed, the URL is not its API, or a proxy before it fails', async () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(await replica('2026-06-14T21:00:04Z', { query: 'heavy join over a year' }).poller.pollOnce()).toBe(0);
    expect(await replica('2026-06-14T21:00:04Z', { base: `${url}/prometheus/api/v1` }).poller.pollOnce()).toBe(0);
    expect(await replica('2026-06-14T21:00:04Z', { base: `${url}/behind-proxy` }).poller.pollOnce()).toBe(0);
    const errors = warned.mock.calls.map(([fields]) => ((fields as { err: Error }).err.message));
    expect(errors).toEqual([
      'Prometheus refused the query for requests_per_second (503 timeout: query timed out in expression evaluation): fix it in PROMETHEUS_QUERIES',
      `${url}/prometheus/api/v1/api/v1/query answered 404 with no JSON ("404 page not found"): check PROMETHEUS_URL, Prometheus's base URL without /api/v1`,
      `${url}/behind-proxy/api/v1/query answered 502 with no JSON ("<html><body>502 Bad Gateway</body></html>"): Prometheus or a proxy in front of it is failing; the next poll tries again`,
    ]);
  });

  it("logs a query Prometheus refuses as malformed once at boot, as an error naming it, the query and Prometheus's message, not at every poll; again when the message changes", async () => {
    const failed = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const said = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const broken = 'sum by (country) (rate(edge_errors_total[1m]) / ';
    malformed.set(broken, 'invalid parameter "query": 1:49: parse error: unexpected end of input');
    const { poller, published, metrics } = replica('2026-06-14T21:00:04Z', {
      queries: [
        { metric: 'requests_per_second', query: 'sum by (country) (rate(edge_requests_total[1m]))' },
        { metric: 'error_ratio', query: broken },
      ],
    });
    try {
      poller.onApplicationBootstrap();
      await expectEventually(() => expect(failed).toHaveBeenCalledTimes(1), { timeoutMs: 10_000, intervalMs: 10 });
      expect(failed.mock.calls[0]).toEqual([
        { metric: 'error_ratio', query: broken, prometheusError: 'invalid parameter "query": 1:49: parse error: unexpected end of input' },
        `Prometheus refuses the query for error_ratio as malformed (invalid parameter "query": 1:49: parse error: unexpected end of input): ${broken}. Fix it in PROMETHEUS_QUERIES and restart the analyzer; until then no region is sampled from it (logged once, again if Prometheus's message changes)`,
      ]);
      // The other query is sampled all the same, and the next polls say nothing more of the malformed one.
      await expectEventually(() => expect(published.map((event) => event.data.metric)).toEqual(['requests_per_second']), { timeoutMs: 10_000, intervalMs: 10 });
      expect(await poller.pollOnce()).toBe(1);
      expect(await poller.pollOnce()).toBe(1);
      expect(failed).toHaveBeenCalledTimes(1);
      expect(warned.mock.calls).toEqual([]);
      const outcomes = (await metrics.registry.getSingleMetric('holdfast_analyzer_prometheus_series_total')!.get()).values.map(({ labels, value }) => [labels.metric, labels.outcome, value]);
      expect(outcomes).toContainEqual(['error_ratio', 'query-failed', 3]);

      // Another Prometheus (an upgrade, a rollback) says otherwise: that is news.
      malformed.set(broken, 'invalid parameter "query": 1:49: parse error: unexpected end of input in expression');
      expect(await poller.pollOnce()).toBe(1);
      expect(failed).toHaveBeenCalledTimes(2);
      expect(failed.mock.calls[1][1]).toContain('as malformed (invalid parameter "query": 1:49: parse error: unexpected end of input in expression)');
      // Taken at last, it is said so; refused again, it is an error again.
      malformed.delete(broken);
      expect(await poller.pollOnce()).toBe(2);
      expect(said.mock.calls.map(([, message]) => message)).toContain('Prometheus takes the query for error_ratio again');
      malformed.set(broken, 'invalid parameter "query": 1:49: parse error: unexpected end of input in expression');
      expect(await poller.pollOnce()).toBe(1);
      expect(failed).toHaveBeenCalledTimes(3);
    } finally {
      malformed.delete(broken);
      await poller.onApplicationShutdown();
    }
  });

  it('says once at boot that Prometheus is unreachable and the queries are checked at the first poll that reaches it, and checks them then', async () => {
    const failed = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    // A port nothing listens on, until the Prometheus started there below.
    const vacated = createServer(answer);
    await new Promise<void>((resolve) => vacated.listen(0, '127.0.0.1', resolve));
    const { port } = vacated.address() as AddressInfo;
    await new Promise<void>((resolve) => vacated.close(() => resolve()));
    const base = `http://127.0.0.1:${port}`;
    const { poller, published } = replica('2026-06-14T21:00:04Z', {
      base,
      queries: [
        { metric: 'requests_per_second', query: 'sum by (country) (rate(edge_requests_total[1m]))' },
        { metric: 'error_ratio', query: 'sum by (country (rate(edge_errors_total[1m]))' },
      ],
    });
    poller.onApplicationBootstrap();
    const late = createServer(answer);
    try {
      await expectEventually(() => expect(warned).toHaveBeenCalledTimes(1), { timeoutMs: 10_000, intervalMs: 10 });
      const [fields, message] = warned.mock.calls[0] as [{ err: Error; unchecked: string[] }, string];
      expect(fields.unchecked).toEqual(['requests_per_second', 'error_ratio']);
      expect(fields.err.message).toBe(`${base}/api/v1/query could not be reached (ECONNREFUSED): check that Prometheus runs there; the next poll tries again`);
      expect(message).toBe(
        'Prometheus could not be reached at boot, so the queries of PROMETHEUS_QUERIES for requests_per_second, error_ratio were not checked: each is checked at the first poll that reaches Prometheus (every 30 s), one it refuses as malformed logged then as an error; the analyzer runs meanwhile, without their samples',
      );
      expect(failed.mock.calls).toEqual([]);

      await new Promise<void>((resolve) => late.listen(port, '127.0.0.1', resolve));
      expect(await poller.pollOnce()).toBe(1);
      expect(published.map((event) => event.data.metric)).toEqual(['requests_per_second']);
      expect(failed).toHaveBeenCalledTimes(1);
      expect(failed.mock.calls[0][1]).toContain('Prometheus refuses the query for error_ratio as malformed (invalid parameter "query": 1:17: parse error');
      // Only the warning at boot: the poll that reached Prometheus is no failure to warn of.
      expect(warned).toHaveBeenCalledTimes(1);
    } finally {
      await poller.onApplicationShutdown();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });
});
