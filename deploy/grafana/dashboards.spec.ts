import { EventTypes } from '@holdfast/contracts';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { ROOT } from '../../scripts/system/system-runner.mjs';

interface Target {
  expr?: string;
  instant?: boolean;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  title: string;
  type?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: {
    defaults?: {
      noValue?: string;
      thresholds?: { steps: { color: string; value: number | null }[] };
      mappings?: { type: string; options: { match?: string; result?: { color?: string } } }[];
    };
  };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  annotations?: { list: { name: string; datasource?: { type?: string; uid?: string }; target?: { tags?: string[] } }[] };
}

const DASHBOARDS = join(ROOT, 'deploy/grafana/dashboards');
const dashboards = readdirSync(DASHBOARDS)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as Dashboard }));

/** Datasource uids Grafana is provisioned with (deploy/grafana/provisioning/datasources). */
function provisionedDatasources(): Set<string> {
  const folder = join(ROOT, 'deploy/grafana/provisioning/datasources');
  return new Set(
    readdirSync(folder).flatMap((file) => (YAML.parse(readFileSync(join(folder, file), 'utf8')) as { datasources: { uid: string }[] }).datasources.map((source) => source.uid)),
  );
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const path = join(folder, entry);
    if (entry === 'node_modules' || entry === 'dist') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') && !/\.(spec|integration-spec|e2e-spec)\.ts$/.test(entry) ? [path] : [];
  });
}

/**
 * Every series the code can expose: the MetricsRegistry counter/gauge/histogram calls in libs and
 * services (a histogram adds _bucket, _sum and _count), prom-client's default process metrics, and
 * Prometheus' own `up`.
 */
async function exposedSeries(): Promise<Set<string>> {
  const names = new Set<string>(['up']);
  const registration = /\.(counter|gauge|histogram)(?:<[^>]*>)?\(\s*'([a-zA-Z_:][a-zA-Z0-9_:]*)'/g;
  for (const file of [...sourceFiles(join(ROOT, 'libs')), ...sourceFiles(join(ROOT, 'services'))]) {
    for (const [, kind, name] of readFileSync(file, 'utf8').matchAll(registration)) {
      names.add(name);
      if (kind === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
  }
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  for (const metric of await defaults.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

const SERVICES = readdirSync(join(ROOT, 'services')).filter((entry) => statSync(join(ROOT, 'services', entry)).isDirectory());

/** The services whose own code registers the metric (not a library every service shares). */
function registeringServices(metric: string): string[] {
  const registration = new RegExp(`\\.(counter|gauge|histogram)(?:<[^>]*>)?\\(\\s*'${metric}'`);
  return SERVICES.filter((service) => sourceFiles(join(ROOT, 'services', service, 'src')).some((file) => registration.test(readFileSync(file, 'utf8'))));
}

/** A single-number stat: one aggregate, so one value, what an on-call engineer reads at a glance. */
const singleNumbers = (dashboard: Dashboard) =>
  allPanels(dashboard.panels)
    .filter((panel) => ['stat', 'gauge', 'bargauge'].includes(panel.type ?? ''))
    .flatMap((panel) => (panel.targets ?? []).filter((target) => /^\s*\(?\s*(sum|max|min|avg|count)\s*\(/.test(target.expr ?? '')).map((target) => ({ panel, target, expr: target.expr! })));

/** `(<aggregate> or vector(0)) and on() (max(up{job="holdfast", service="<service>"}) == 1)`: the aggregate, and the service whose scrape it needs. */
const SCRAPE_GUARDED = /^\((.+) or vector\(0\)\) and on\(\) \(max\(up\{job="holdfast", service="([a-z-]+)"\}\) == 1\)$/;

/** Runs promtool's PromQL unit tests (`promtool test rules`) on the given test groups; its output when one fails. */
function promtoolTest(tests: unknown[]): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-dashboards-'));
  try {
    const file = join(dir, 'dashboards.test.yml');
    writeFileSync(file, YAML.stringify({ rule_files: [], evaluation_interval: '1m', tests }));
    const run = spawnSync('promtool', ['test', 'rules', file], { encoding: 'utf8', timeout: 30_000 });
    if (run.error) throw new Error(`promtool could not run (${run.error.message}): install it with \`apt-get install prometheus\` (npm test does this when it runs as root)`);
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The metric names a PromQL expression selects: each identifier before a `{...}` selector. */
export function selectedMetrics(expr: string): string[] {
  return [...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{/g)].map((match) => match[1]);
}

describe('Grafana dashboards provisioned from deploy/grafana', () => {
  it('reads the metric names out of a PromQL expression', () => {
    expect(selectedMetrics('histogram_quantile(0.99, sum by (le) (rate(holdfast_event_hop_seconds_bucket{job="holdfast", topic=~"x"}[5m])))')).toEqual(['holdfast_event_hop_seconds_bucket']);
  });

  it('knows the series the code exposes, and nothing else', async () => {
    const exposed = await exposedSeries();
    for (const name of ['holdfast_active_holds', 'holdfast_hold_fanout_seconds_bucket', 'holdfast_notifier_dead_deliveries', 'process_cpu_seconds_total', 'nodejs_eventloop_lag_p99_seconds', 'up']) {
      expect(exposed.has(name), name).toBe(true);
    }
    expect(exposed.has('holdfast_active_holds_bucket')).toBe(false);
    expect(exposed.has('holdfast_holds_total')).toBe(false);
  });

  it.each(dashboards)('$file: every panel queries a provisioned datasource', ({ dashboard }) => {
    const uids = provisionedDatasources();
    for (const panel of allPanels(dashboard.panels)) {
      for (const source of [panel.datasource, ...(panel.targets ?? []).map((target) => target.datasource)]) {
        if (source) expect(uids.has(source.uid ?? ''), `${panel.title}: datasource ${source.uid}`).toBe(true);
      }
    }
  });

  it.each(dashboards)('$file: every metric it queries is one the code registers, selected with {job="holdfast"}', async ({ dashboard }) => {
    const exposed = await exposedSeries();
    for (const panel of allPanels(dashboard.panels)) {
      for (const { expr } of panel.targets ?? []) {
        if (!expr) continue;
        const metrics = selectedMetrics(expr);
        expect(metrics.length, `${panel.title}: ${expr} selects no metric with {...}`).toBeGreaterThan(0);
        // A metric written without a selector would escape the check above.
        expect(expr.match(/\bholdfast_[a-z0-9_]+/g)?.length ?? 0, `${panel.title}: ${expr}`).toBe(metrics.filter((name) => name.startsWith('holdfast_')).length);
        for (const metric of metrics) expect(exposed.has(metric), `${panel.title}: ${metric} is not registered by any service or library`).toBe(true);
      }
    }
  });

  // A gauge reset to no series (no hold active), or a counter not yet counted, has no value: `or vector(0)` makes it 0
  // rather than the last count, 8 holds where there are none. But a service that is down has no series either: its
  // stat must then show that the number is missing, not a green 0 that reads as all clear.
  it.each(dashboards)("$file: every single-number stat answers 0 when its metric has no series, and says its service is down when that service's scrape is", ({ dashboard }) => {
    for (const { panel, target, expr } of singleNumbers(dashboard)) {
      const guarded = SCRAPE_GUARDED.exec(expr);
      expect(guarded, `${panel.title}: ${expr}`).not.toBeNull();
      const [, aggregate, service] = guarded!;
      for (const metric of selectedMetrics(aggregate).filter((name) => name.startsWith('holdfast_'))) {
        expect(registeringServices(metric), `${panel.title}: ${metric}`).toEqual([service]);
      }
      // Over a range, the stat's last value would be one from before the service went down.
      expect(target.instant, `${panel.title}: an instant query`).toBe(true);
      const defaults = panel.fieldConfig?.defaults;
      expect(defaults?.noValue, panel.title).toContain(`${service} down`);
      const baseColour = defaults?.thresholds?.steps.find((step) => step.value === null)?.color ?? 'green';
      const missingColour = defaults?.mappings?.find((mapping) => mapping.type === 'special' && mapping.options.match === 'null')?.options.result?.color;
      expect(missingColour, `${panel.title}: the colour of no value`).toBeDefined();
      expect(missingColour, `${panel.title}: the colour of no value`).not.toBe(baseColour);
    }
  });

  it.each(dashboards)("$file: every single-number stat, evaluated by Prometheus, is 0 with no series while its service is scraped, and has no value while it is down or not scraped", ({ dashboard }) => {
    const stats = singleNumbers(dashboard);
    if (stats.length === 0) return;
    // Minute 0 every service answers its scrape; at minute n+1 the n-th service does not (Prometheus records up 0).
    const up = (service: string, index: number) => ({
      series: `up{job="holdfast", instance="${service}:3000", service="${service}"}`,
      values: ['1', ...SERVICES.map((_, down) => (down === index ? '0' : '1'))].join(' '),
    });
    const serviceOf = (expr: string) => SCRAPE_GUARDED.exec(expr)?.[2] ?? '(no service)';
    const { status, output } = promtoolTest([
      {
        interval: '1m',
        input_series: SERVICES.map(up),
        promql_expr_test: stats.flatMap(({ expr }) => [
          { expr, eval_time: '0m', exp_samples: [{ labels: '{}', value: 0 }] },
          ...SERVICES.map((service, index) => ({ expr, eval_time: `${index + 1}m`, exp_samples: service === serviceOf(expr) ? [] : [{ labels: '{}', value: 0 }] })),
        ]),
      },
      {
        // Scraped under another job name (or not at all): Holdfast's panels see no service.
        interval: '1m',
        input_series: [{ series: 'up{job="kubernetes-pods", instance="10.0.0.1:3001", service="maintenance-planner"}', values: '1' }],
        promql_expr_test: stats.map(({ expr }) => ({ expr, eval_time: '0m', exp_samples: [] })),
      },
    ]);
    expect(status, output).toBe(0);
  });

  it('the holds dashboard covers what an on-call engineer watches, and its annotations use the notifier\'s Grafana tags', () => {
    const { dashboard } = dashboards.find(({ file }) => file === 'holdfast-holds.json')!;
    const queried = new Set(allPanels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).flatMap((target) => selectedMetrics(target.expr ?? ''))));
    for (const metric of [
      'holdfast_active_holds',
      'holdfast_held_occurrences',
      'holdfast_analyzer_active_surges',
      'holdfast_gate_answers_total',
      'holdfast_analyzer_decision_latency_seconds_bucket',
      'holdfast_notifier_deliveries_total',
      'holdfast_notifier_dead_deliveries',
      'holdfast_analyzer_sample_lag_messages',
    ]) {
      expect(queried.has(metric), metric).toBe(true);
    }
    // The notifier tags each annotation 'holdfast' plus the event type's first part (hold.placed -> hold).
    const kinds = new Set(Object.values(EventTypes).map((type) => type.split('.')[0]));
    const tagged = dashboard.annotations!.list.filter((annotation) => annotation.target?.tags);
    expect(tagged.map((annotation) => annotation.name)).toContain('Holds');
    for (const annotation of tagged) {
      const [product, kind] = annotation.target!.tags!;
      expect(product).toBe('holdfast');
      expect(kinds.has(kind), `${annotation.name}: tag ${kind}`).toBe(true);
      expect(annotation.datasource).toEqual({ type: 'grafana', uid: '-- Grafana --' });
    }
  });
});
