import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { startAlertmanager as startLoopbackAlertmanager, startLoopbackDaemon, type LoopbackDaemon } from '@holdfast/testing';
import YAML from 'yaml';

/** A tiny Prometheus exporter the test sets gauge values on. */
export interface TestExporter {
  port: number;
  /** Sets a series of `metric`, the first metric the exporter was started with unless named. */
  set(labels: Record<string, string>, value: number, metric?: string): void;
  close(): Promise<void>;
}

export async function startExporter(...metrics: [string, ...string[]]): Promise<TestExporter> {
  const values = new Map(metrics.map((metric) => [metric, new Map<string, number>()]));
  const server: Server = createHttpServer((request, response) => {
    const lines = [...values].flatMap(([metric, series]) => [`# TYPE ${metric} gauge`, ...[...series].map(([labels, value]) => `${metric}{${labels}} ${value}`)]);
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    set: (labels, value, metric = metrics[0]) => {
      const series = values.get(metric);
      if (!series) throw new Error(`the exporter was not started with ${metric}: add it to startExporter's metrics`);
      series.set(
        Object.entries(labels)
          .map(([name, text]) => `${name}="${text}"`)
          .join(','),
        value,
      );
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type RunningProcess = LoopbackDaemon;

/** Prometheus scraping the exporter every second, with optional rules and an Alertmanager. */
export function startPrometheus(options: { exporterPort: number; rules?: string; alertmanagerUrl?: string }): Promise<RunningProcess> {
  const alerting = options.alertmanagerUrl ? `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['${new URL(options.alertmanagerUrl).host}']\n` : '';
  return startLoopbackDaemon({
    binary: '/usr/bin/prometheus',
    debianPackage: 'prometheus',
    args: (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ],
    files: (dir) => ({
      'prometheus.yml': `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${options.rules ? `rule_files: ['${join(dir, 'rules.yml')}']\n` : ''}${alerting}scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['127.0.0.1:${options.exporterPort}']\n`,
      ...(options.rules ? { 'rules.yml': options.rules } : {}),
    }),
  });
}

export const SHIPPED_ALERTMANAGER_CONFIG = join(__dirname, '../../../../deploy/alertmanager/alertmanager.yml');

interface AlertmanagerReceiver {
  name: string;
  webhook_configs?: { url?: string; http_config?: { authorization?: { credentials?: string } } }[];
}

/**
 * The shipped deploy/alertmanager/alertmanager.yml (no clustering) with only what an operator sets
 * changed, as README's "With Docker" says: the impact-analyzer receiver's URL and bearer credential.
 * Its routes, matchers and timings are the ones an installation runs.
 */
export async function startShippedAlertmanager(options: { webhookUrl: string; bearer: string; groupInterval?: string }): Promise<RunningProcess> {
  const config = YAML.parse(await readFile(SHIPPED_ALERTMANAGER_CONFIG, 'utf8')) as { route?: { group_interval?: string }; receivers?: AlertmanagerReceiver[] };
  // Timing only, not routing: a spec that waits for a resolution need not sit through the shipped flush interval.
  if (options.groupInterval && config.route) config.route.group_interval = options.groupInterval;
  const webhook = config.receivers?.find((receiver) => receiver.name === 'impact-analyzer')?.webhook_configs?.[0];
  if (!webhook?.url || !webhook.http_config?.authorization?.credentials) {
    throw new Error(`${SHIPPED_ALERTMANAGER_CONFIG} has no impact-analyzer receiver with a webhook url and http_config.authorization.credentials: update this helper to what an operator now sets there`);
  }
  webhook.url = options.webhookUrl;
  webhook.http_config.authorization.credentials = options.bearer;
  return startLoopbackAlertmanager(YAML.stringify(config));
}
