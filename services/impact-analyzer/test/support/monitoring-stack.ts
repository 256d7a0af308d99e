import { createServer as createHttpServer, type Server } from 'node:http';
import { join } from 'node:path';
import { startAlertmanager as startLoopbackAlertmanager, startLoopbackDaemon, type LoopbackDaemon } from '@holdfast/testing';

/** A tiny Prometheus exporter the test sets gauge values on. */
export interface TestExporter {
  port: number;
  set(labels: Record<string, string>, value: number): void;
  close(): Promise<void>;
}

export async function startExporter(metric: string): Promise<TestExporter> {
  const values = new Map<string, number>();
  const server: Server = createHttpServer((request, response) => {
    const lines = [`# TYPE ${metric} gauge`, ...[...values].map(([labels, value]) => `${metric}{${labels}} ${value}`)];
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    set: (labels, value) =>
      values.set(
        Object.entries(labels)
          .map(([name, text]) => `${name}="${text}"`)
          .join(','),
        value,
      ),
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

/** Alertmanager (no clustering) sending every group at once, resolved ones included, to a webhook with a bearer token. */
export function startAlertmanager(options: { webhookUrl: string; bearer: string }): Promise<RunningProcess> {
  return startLoopbackAlertmanager(
    [
      'route:',
      '  receiver: holdfast',
      '  group_by: [alertname, region]',
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: holdfast',
      '    webhook_configs:',
      `      - url: '${options.webhookUrl}'`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      `            credentials: '${options.bearer}'`,
      '',
    ].join('\n'),
  );
}
