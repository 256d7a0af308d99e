import { createEvent, TrafficSampleSchema, type TrafficSample } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { MetricsRegistry, RepeatedFailure } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { z } from 'zod';
import type { AnalyzerSettings, PrometheusQuery } from '../config/analyzer-settings';
import { SERVICE_NAME } from '../service-name';

/** The instant-query answer of Prometheus's HTTP API (GET /api/v1/query) for a vector result. */
const QueryResponseSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    resultType: z.literal('vector', { error: 'the query must return an instant vector, one series per region' }),
    result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })),
  }),
});

const QUERY_TIMEOUT_MS = 5_000;
// Series without a region, or with one Holdfast does not know, stay so until someone changes the query or its labels: said every few minutes, not every 30 s.
const REGION_MISTAKE_LOG_EVERY_MS = 5 * 60_000;
// Label values a warning names: enough to see the pattern (country names, lower-case codes), not a page of them.
const UNKNOWN_VALUES_NAMED = 5;

/**
 * Prometheus as a sample source: each configured PromQL query is evaluated every interval, at the
 * interval's start (Prometheus's `time`, which stamps the samples), and each series of its answer
 * becomes a sample of the region named by its region label, published to traffic.samples.v1 to be
 * assessed like any other. Most teams already have regional request rates in Prometheus: this
 * connects them without a pipeline.
 */
@Injectable()
export class PrometheusPollerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PrometheusPollerService.name);
  private timer?: NodeJS.Timeout;
  /** Aborts the queries in flight at shutdown, which would otherwise hold it for up to QUERY_TIMEOUT_MS. */
  private readonly stopping = new AbortController();
  private polling: Promise<number> = Promise.resolve(0);
  private readonly outcomes;
  // While Prometheus or Kafka is away every poll fails the same way.
  private readonly queryFailures = new Map<PrometheusQuery, RepeatedFailure>();
  private readonly severalPerRegion = new Map<PrometheusQuery, RepeatedFailure>();
  private readonly unusableValues = new Map<PrometheusQuery, RepeatedFailure>();
  private readonly withoutRegionLabel = new Map<PrometheusQuery, RepeatedFailure>();
  private readonly unknownRegions = new Map<PrometheusQuery, RepeatedFailure>();
  /** The queries whose last answer held no series: said once when it starts, since a misspelt name stays misspelt. */
  private readonly answeringNothing = new Set<PrometheusQuery>();
  /** Prometheus's message for each query it refuses as malformed, as last logged: a query stays malformed until PROMETHEUS_QUERIES changes. */
  private readonly malformed = new Map<PrometheusQuery, string>();
  private readonly publishFailures = new RepeatedFailure();
  /** The query endpoint without the credentials PROMETHEUS_URL may carry, sent as basic auth instead. */
  private readonly endpoint?: { url: URL; headers: Record<string, string> };

  constructor(
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
    private readonly messaging: MessagingRuntime,
    private readonly catalog: RegionCatalog,
    private readonly clock: Clock,
    metrics: MetricsRegistry,
  ) {
    this.outcomes = metrics.counter(
      'holdfast_analyzer_prometheus_series_total',
      'Series read from configured Prometheus queries, by outcome; an answer with no series counts once as empty',
      ['metric', 'outcome'],
    );
    const { url } = config.settings.prometheus;
    if (url !== undefined) this.endpoint = queryEndpoint(url);
    for (const query of config.settings.prometheus.queries) {
      this.queryFailures.set(query, new RepeatedFailure());
      this.severalPerRegion.set(query, new RepeatedFailure());
      this.unusableValues.set(query, new RepeatedFailure());
      this.withoutRegionLabel.set(query, new RepeatedFailure(REGION_MISTAKE_LOG_EVERY_MS));
      this.unknownRegions.set(query, new RepeatedFailure(REGION_MISTAKE_LOG_EVERY_MS));
    }
  }

  get enabled(): boolean {
    const { url, queries } = this.config.settings.prometheus;
    return url !== undefined && queries.length > 0;
  }

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    // Polled at once: waiting a whole interval (15 s by default) would leave a region unwatched as long after every start.
    // That poll checks PROMETHEUS_QUERIES, in the background: the analyzer takes its other sources while Prometheus is away.
    void this.pollOnce(true);
    this.timer = setInterval(() => void this.pollOnce(), this.config.settings.prometheus.intervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.polling;
  }

  /**
   * Evaluates every query once, at the start of the interval the clock is in, and publishes the samples; returns how many. Polls never overlap.
   * `atBoot`: the poll at start, which checks the queries: Prometheus unreachable then is one warning for all of them, saying they are checked at the first poll that reaches it.
   */
  pollOnce(atBoot = false): Promise<number> {
    // The chain kept is the one that never rejects: a rejected one would skip every later poll, and fail shutdown.
    this.polling = this.polling
      .then(() => this.poll(atBoot))
      .catch((error: Error) => {
        this.publishFailures.log(this.logger, 'warn', { err: error }, 'publishing the Prometheus samples failed; the next poll tries again');
        return 0;
      });
    return this.polling;
  }

  private async poll(atBoot: boolean): Promise<number> {
    if (!this.enabled || this.stopping.signal.aborted) return 0;
    const { intervalMs, queries } = this.config.settings.prometheus;
    // Every replica polls: asked for the same instant, the interval's start, they publish the same
    // sample, and the detector drops every copy after the first as not newer than its series' last.
    const at = new Date(Math.floor(this.clock.nowMs() / intervalMs) * intervalMs);
    const answers = await Promise.all(queries.map((query) => this.evaluate(query, at, atBoot)));
    const unchecked = queries.filter((_, index) => answers[index] instanceof PrometheusUnreachable).map((query) => query.metric);
    if (unchecked.length > 0) {
      this.logger.warn(
        { err: answers.find((answer) => answer instanceof PrometheusUnreachable), unchecked },
        `Prometheus could not be reached at boot, so the queries of PROMETHEUS_QUERIES for ${unchecked.join(', ')} were not checked: each is checked at the first poll that reaches Prometheus (every ${intervalMs / 1000} s), one it refuses as malformed logged then as an error; the analyzer runs meanwhile, without their samples`,
      );
    }
    const samples = answers.flatMap((answer) => (answer instanceof PrometheusUnreachable ? [] : answer));
    if (samples.length === 0) return 0;
    // Stamped on the clock that chose the samples' instant, so an event is never older than the sample it carries.
    const time = this.clock.now();
    await this.messaging.publisher.publish(...samples.map((sample) => createEvent('traffic.sample', sample, { source: SERVICE_NAME, subject: sample.region, time })));
    this.publishFailures.succeeded((fields, message) => this.logger.log(fields, message), {}, 'publishing the Prometheus samples works again');
    return samples.length;
  }

  /** The query's samples; Prometheus unreachable at boot is answered, for the poll to say once for every query. */
  private async evaluate(query: PrometheusQuery, at: Date, atBoot: boolean): Promise<TrafficSample[] | PrometheusUnreachable> {
    const { regionLabel } = this.config.settings.prometheus;
    const endpoint = new URL(this.endpoint!.url);
    endpoint.searchParams.set('query', query.query);
    endpoint.searchParams.set('time', (at.getTime() / 1000).toFixed(3));
    let body: z.infer<typeof QueryResponseSchema>;
    try {
      body = await this.answerOf(endpoint, query);
    } catch (error) {
      if (this.stopping.signal.aborted) return [];
      this.outcomes.inc({ metric: query.metric, outcome: 'query-failed' });
      if (error instanceof MalformedQuery) {
        this.reportMalformed(query, error.message);
        return [];
      }
      const failures = this.queryFailures.get(query)!;
      if (atBoot && error instanceof PrometheusUnreachable) {
        // Said by the poll, once for every query; this query's run of failures starts all the same, so its recovery is said.
        failures.failed();
        return error;
      }
      failures.log(this.logger, 'warn', { err: error, metric: query.metric, query: query.query }, 'Prometheus query failed; the next poll tries again');
      return [];
    }
    this.queryFailures.get(query)!.succeeded((fields, message) => this.logger.log(fields, message), { metric: query.metric }, 'Prometheus query works again');
    if (this.malformed.delete(query)) this.logger.log({ metric: query.metric }, `Prometheus takes the query for ${query.metric} again`);
    if (!this.answersSeries(query, body.data.result.length)) return [];
    const samples: TrafficSample[] = [];
    // Each series' region found once; a region answered more than once has no one value to take.
    const answered = body.data.result.map((series) => {
      const code = series.metric[regionLabel];
      return { series, code, region: code === undefined ? undefined : this.catalog.find(code) };
    });
    this.reportWithoutRegionLabel(query, answered.filter(({ code }) => code === undefined).map(({ series }) => series.metric), answered.length);
    this.reportUnknownRegions(query, answered.flatMap(({ code, region }) => (code !== undefined && !region ? [code] : [])));
    const seriesOf = new Map<string, number>();
    for (const { region } of answered) if (region) seriesOf.set(region.code, (seriesOf.get(region.code) ?? 0) + 1);
    // The regions whose value cannot be a sample, by what Prometheus wrote, for one line a poll however many series.
    const unusable = new Map<string, string[]>();
    for (const { series, code, region } of answered) {
      const outcome = code === undefined ? 'no-region-label' : !region ? 'unknown-region' : seriesOf.get(region.code)! > 1 ? 'several-per-region' : undefined;
      const sample =
        region && outcome === undefined
          ? TrafficSampleSchema.safeParse({ region: region.code, metric: query.metric, at: new Date(Math.round(series.value[0] * 1000)).toISOString(), value: Number(series.value[1]), source: 'prometheus' })
          : undefined;
      if (sample?.success) samples.push(sample.data);
      else if (sample) unusable.set(series.value[1], [...(unusable.get(series.value[1]) ?? []), region!.code]);
      this.outcomes.inc({ metric: query.metric, outcome: outcome ?? (sample?.success ? 'sampled' : unusableOutcome(series.value[1])) });
    }
    this.reportUnusable(query, unusable);
    const repeated = [...seriesOf].filter(([, count]) => count > 1);
    const several = this.severalPerRegion.get(query)!;
    if (repeated.length === 0) several.succeeded((fields, message) => this.logger.log(fields, message), { metric: query.metric }, 'Prometheus query answers one series per region again');
    else
      several.log(
        this.logger,
        'warn',
        { metric: query.metric, query: query.query, regions: Object.fromEntries(repeated) },
        `Prometheus query for ${query.metric} answered several series for ${repeated.map(([region, count]) => `${region} (${count})`).join(', ')}, so none of theirs was sampled: aggregate it to one series per region by ${regionLabel}, e.g. sum by (${regionLabel}) (...)`,
      );
    return samples;
  }

  /**
   * A query Prometheus cannot parse samples nothing until PROMETHEUS_QUERIES is fixed, however often it
   * is polled: logged as an error once, with Prometheus's own message, and again only when that
   * message changes or after the query was taken.
   */
  private reportMalformed(query: PrometheusQuery, prometheusError: string): void {
    if (this.malformed.get(query) === prometheusError) return;
    this.malformed.set(query, prometheusError);
    this.logger.error(
      { metric: query.metric, query: query.query, prometheusError },
      `Prometheus refuses the query for ${query.metric} as malformed (${prometheusError}): ${query.query}. Fix it in PROMETHEUS_QUERIES and restart the analyzer; until then no region is sampled from it (logged once, again if Prometheus's message changes)`,
    );
  }

  /**
   * Whether the query answered any series. An empty answer (a misspelt metric or label name, a
   * selector matching nothing) would otherwise count no outcome at all, and its regions go unwatched
   * with nothing saying why: it counts as `empty`, and the first of a run is logged.
   */
  private answersSeries(query: PrometheusQuery, series: number): boolean {
    if (series > 0) {
      if (this.answeringNothing.delete(query)) this.logger.log({ metric: query.metric }, `Prometheus query for ${query.metric} answers series again`);
      return true;
    }
    this.outcomes.inc({ metric: query.metric, outcome: 'empty' });
    if (!this.answeringNothing.has(query)) {
      this.answeringNothing.add(query);
      this.logger.warn(
        { metric: query.metric, query: query.query },
        `Prometheus query for ${query.metric} answered no series, so no region is sampled from it: check its metric and label names in PROMETHEUS_QUERIES against Prometheus (logged once until it answers series again)`,
      );
    }
    return false;
  }

  /**
   * Series without the region label are counted no-region-label and never sampled: with the wrong
   * PROMETHEUS_REGION_LABEL that is every series, and its regions go unwatched. Said with the labels
   * they do carry, and the one whose values are region codes when one is.
   */
  private reportWithoutRegionLabel(query: PrometheusQuery, unlabelled: Record<string, string>[], answered: number): void {
    const { regionLabel } = this.config.settings.prometheus;
    const failure = this.withoutRegionLabel.get(query)!;
    if (unlabelled.length === 0) {
      failure.succeeded((fields, message) => this.logger.log(fields, message), { metric: query.metric }, `Prometheus query for ${query.metric} answers its series with the region label ${regionLabel} again`);
      return;
    }
    // __name__ is the metric's own name (a query that aggregates nothing keeps it): it never names a region.
    const labels = [...new Set(unlabelled.flatMap((series) => Object.keys(series)))].filter((label) => label !== '__name__').sort();
    const one = unlabelled.length === 1;
    const carried = labels.length === 0 ? `${one ? 'carries' : 'carry'} no label at all` : `${one ? 'carries' : 'carry'} ${labels.join(', ')} but no ${regionLabel}`;
    const fields = { metric: query.metric, query: query.query, regionLabel, series: answered, unlabelled: unlabelled.length, labels };
    if (unlabelled.length < answered) {
      failure.log(
        this.logger,
        'warn',
        fields,
        `Prometheus query for ${query.metric} answered ${unlabelled.length} of its ${answered} series without the region label, so ${one ? 'it was' : 'they were'} not sampled: ${one ? 'it' : 'they'} ${carried}: give every series a ${regionLabel} (label_replace in the query) or leave those without one out ({${regionLabel}!=""})`,
      );
      return;
    }
    const naming = this.labelNamingRegions(unlabelled, labels);
    const advice = naming
      ? `set PROMETHEUS_REGION_LABEL=${naming} or add ${regionLabel} to the query's by()`
      : `add ${regionLabel} to the query's by(), or set PROMETHEUS_REGION_LABEL to the label that names the region`;
    failure.log(
      this.logger,
      'warn',
      fields,
      `Prometheus query for ${query.metric} answered no series with the region label, so none was sampled: ${one ? 'its one series' : `its ${answered} series`} ${carried}: ${advice}`,
    );
  }

  /** The label most of whose values are regions the catalog knows, if one is: the region label the query's series carry instead. */
  private labelNamingRegions(series: Record<string, string>[], labels: string[]): string | undefined {
    const scored = labels.map((label) => {
      const values = series.flatMap((labelled) => (labelled[label] === undefined ? [] : [labelled[label]]));
      return { label, regions: values.filter((value) => this.catalog.find(value)).length, values: values.length };
    });
    const [best] = scored.filter(({ regions, values }) => regions > 0 && regions * 2 >= values).sort((one, other) => other.regions - one.regions);
    return best?.label;
  }

  /** Series whose region label names no region are counted unknown-region and never sampled: said with the values, the first few, and how to map them. */
  private reportUnknownRegions(query: PrometheusQuery, codes: string[]): void {
    const { regionLabel } = this.config.settings.prometheus;
    const failure = this.unknownRegions.get(query)!;
    if (codes.length === 0) {
      failure.succeeded((fields, message) => this.logger.log(fields, message), { metric: query.metric }, `Prometheus query for ${query.metric} answers only regions Holdfast knows again`);
      return;
    }
    const values = [...new Set(codes)];
    const named = values.slice(0, UNKNOWN_VALUES_NAMED);
    const more = values.length - named.length;
    const one = codes.length === 1;
    failure.log(
      this.logger,
      'warn',
      { metric: query.metric, query: query.query, regionLabel, unknown: named, unknownCount: values.length },
      `Prometheus query for ${query.metric} answered ${codes.length} series whose ${regionLabel} is no region Holdfast knows (${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}), so ${one ? 'it was' : 'they were'} not sampled: make the label an ISO 3166-1 alpha-2 code (GB) or a custom region declared in HOLDFAST_CUSTOM_REGIONS, or map its values to those with label_replace in the query`,
    );
  }

  /**
   * One line a poll for the regions whose value could not be sampled: NaN (a ratio of two zero rates)
   * and ±Inf (a rate divided by a zero one) leave a region without samples, and after
   * signalLossAfterSeconds lost, with nothing else saying why.
   */
  private reportUnusable(query: PrometheusQuery, unusable: Map<string, string[]>): void {
    const failure = this.unusableValues.get(query)!;
    if (unusable.size === 0) {
      failure.succeeded((fields, message) => this.logger.log(fields, message), { metric: query.metric }, `Prometheus query for ${query.metric} answers values that can be sampled again`);
      return;
    }
    const values = Object.fromEntries(unusable);
    const listed = [...unusable].map(([value, regions]) => `${value} for ${regions.join(', ')}`).join('; ');
    failure.log(
      this.logger,
      'warn',
      { metric: query.metric, query: query.query, values },
      `Prometheus query for ${query.metric} answered ${listed}, which is no traffic value (a finite number from 0 to 1e15), so those regions were not sampled: make the query answer such a number for every region (NaN and Inf come from dividing by zero)`,
    );
  }

  /** The query's answer, or an error saying what Prometheus answered and what to fix. */
  private async answerOf(endpoint: URL, query: PrometheusQuery): Promise<z.infer<typeof QueryResponseSchema>> {
    const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)]);
    const where = `${endpoint.origin}${endpoint.pathname}`;
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, { headers: this.endpoint!.headers, signal });
      text = await response.text();
    } catch (error) {
      throw new PrometheusUnreachable(`${where} could not be reached (${reasonOf(error)}): check that Prometheus runs there; the next poll tries again`, { cause: error });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // A 5xx page is most often a proxy in front of a Prometheus that is down or restarting: passing, not a wrong URL.
      const said = `${where} answered ${response.status} with no JSON ("${text.trim().slice(0, 100)}")`;
      if (response.status >= 500) throw new PrometheusUnreachable(`${said}: Prometheus or a proxy in front of it is failing; the next poll tries again`);
      throw new Error(`${said}: check PROMETHEUS_URL, Prometheus's base URL without /api/v1`);
    }
    const refused = json as { status?: unknown; errorType?: unknown; error?: unknown };
    if (response.status === 400 && refused?.errorType === 'bad_data') throw new MalformedQuery(String(refused.error));
    if (refused?.status === 'error') {
      throw new Error(`Prometheus refused the query for ${query.metric} (${response.status} ${String(refused.errorType)}: ${String(refused.error)}): fix it in PROMETHEUS_QUERIES`);
    }
    const parsed = QueryResponseSchema.safeParse(json);
    if (!parsed.success) throw new Error(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
    return parsed.data;
  }
}

/** No answer from Prometheus: down, unreachable, timed out, or a proxy in front of it failing. */
class PrometheusUnreachable extends Error {
  override readonly name = 'PrometheusUnreachable';
}

/** A query Prometheus refuses as malformed (400 bad_data: a parse error); its message is Prometheus's own. */
class MalformedQuery extends Error {
  override readonly name = 'MalformedQuery';
}

/** What fetch says went wrong: its own "fetch failed" names no cause, which it keeps apart (ECONNREFUSED, ENOTFOUND), and a timeout is a DOMException. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** The outcome of a series whose value is no traffic value, by what Prometheus wrote (its API spells them NaN, +Inf, -Inf). */
function unusableOutcome(value: string): string {
  if (value === 'NaN') return 'not-a-number';
  if (value === '+Inf' || value === '-Inf') return 'infinite';
  return 'invalid-value';
}

/**
 * Prometheus's instant-query endpoint under the base URL. fetch refuses a URL with credentials (and
 * its error would log them), so those of a Prometheus behind basic auth (http://user:password@host)
 * leave the URL for an Authorization header.
 */
function queryEndpoint(base: string): { url: URL; headers: Record<string, string> } {
  const url = new URL('api/v1/query', base.endsWith('/') ? base : `${base}/`);
  if (!url.username && !url.password) return { url, headers: {} };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url, headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}
