import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectEventually } from '@holdfast/testing';

/** A free loopback port: bound by the OS, released, handed to the process under test. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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

export interface RunningProcess {
  url: string;
  stop(): Promise<void>;
}

/** Starts a Debian-packaged binary on loopback with a temp dir, waiting for its /-/ready. */
async function startDaemon(binary: string, args: (dir: string, port: number) => string[], files: (dir: string) => Record<string, string>): Promise<RunningProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'holdfast-monitoring-'));
  for (const [name, content] of Object.entries(files(dir))) await writeFile(join(dir, name), content);
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(binary, args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await expectEventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`${binary} exited with ${child.exitCode}: ${output.join('').slice(-2_000)}`);
        expect200((await fetch(`${url}/-/ready`)).status);
      },
      { timeoutMs: 30_000, intervalMs: 200, message: `${binary} ready on ${url}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

function expect200(status: number): void {
  if (status !== 200) throw new Error(`not ready (${status})`);
}

/** Prometheus scraping the exporter every second, with optional rules and an Alertmanager. */
export function startPrometheus(options: { exporterPort: number; rules?: string; alertmanagerUrl?: string }): Promise<RunningProcess> {
  const alerting = options.alertmanagerUrl ? `alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['${new URL(options.alertmanagerUrl).host}']\n` : '';
  return startDaemon(
    '/usr/bin/prometheus',
    (dir, port) => [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ],
    (dir) => ({
      'prometheus.yml': `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n${options.rules ? `rule_files: ['${join(dir, 'rules.yml')}']\n` : ''}${alerting}scrape_configs:\n  - job_name: exporter\n    static_configs:\n      - targets: ['127.0.0.1:${options.exporterPort}']\n`,
      ...(options.rules ? { 'rules.yml': options.rules } : {}),
    }),
  );
}

/** Alertmanager (no clustering) sending every group at once, resolved ones included, to a webhook with a bearer token. */
export function startAlertmanager(options: { webhookUrl: string; bearer: string }): Promise<RunningProcess> {
  return startDaemon(
    '/usr/bin/prometheus-alertmanager',
    (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    () => ({
      'alertmanager.yml': [
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
    }),
  );
}
