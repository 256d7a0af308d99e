import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// scripts/system is standalone Node (npm start runs it before any build); the test environment shares its port choice.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { freePort } from '../../../scripts/system/free-port.mjs';
import { expectEventually } from './expect-eventually';

export interface LoopbackDaemon {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface LoopbackDaemonOptions {
  binary: string;
  /** The Debian package that ships `binary`, named in the error when it is missing. */
  debianPackage: string;
  args: (dir: string, port: number) => string[];
  /** Files written into the daemon's temp dir before it starts (name -> content). */
  files: (dir: string) => Record<string, string>;
  /** Headers its /-/ready needs (a daemon behind basic auth). */
  readyHeaders?: Record<string, string>;
  timeoutMs?: number;
}

/**
 * Starts a Prometheus-family binary on a free loopback port with its own temp dir and waits for
 * its /-/ready: the real daemon, as the specs that talk to Prometheus or Alertmanager need it.
 */
export async function startLoopbackDaemon(options: LoopbackDaemonOptions): Promise<LoopbackDaemon> {
  if (!existsSync(options.binary)) {
    throw new Error(`${options.binary} is missing: install it with \`apt-get install ${options.debianPackage}\` (npm test does this when it runs as root)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'holdfast-daemon-'));
  for (const [name, content] of Object.entries(options.files(dir))) await writeFile(join(dir, name), content);
  const port = await freePort();
  const output: string[] = [];
  const child: ChildProcess = spawn(options.binary, options.args(dir, port), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  // A daemon killed by a signal (an OOM kill, say) has no exit code, only a signal.
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async () => {
    if (!exited()) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await expectEventually(
      async () => {
        // Stops polling: a throw here would be retried until the timeout like any not-ready answer.
        if (exited()) return;
        const status = await fetch(`${url}/-/ready`, { headers: options.readyHeaders }).then((response) => response.status);
        if (status !== 200) throw new Error(`not ready (${status})`);
      },
      { timeoutMs: options.timeoutMs ?? 30_000, intervalMs: 200, message: `${options.binary} ready on ${url}` },
    );
    if (exited()) throw new Error(`${options.binary} exited with ${child.exitCode ?? child.signalCode}: ${output.join('').slice(-2_000)}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, stop };
}

export const ALERTMANAGER_BINARY = process.env.ALERTMANAGER_BINARY ?? '/usr/bin/prometheus-alertmanager';

/** One user Alertmanager's web config lets in: the password, and its bcrypt hash as web.config.file keeps it. */
export interface BasicAuthUser {
  user: string;
  password: string;
  bcryptHash: string;
}

/** A real Alertmanager with the given alertmanager.yml, clustering off; behind basic auth when a user is given. */
export function startAlertmanager(config: string, basicAuth?: BasicAuthUser): Promise<LoopbackDaemon> {
  return startLoopbackDaemon({
    binary: ALERTMANAGER_BINARY,
    debianPackage: 'prometheus-alertmanager',
    args: (dir, port) => [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(basicAuth ? [`--web.config.file=${join(dir, 'web.yml')}`] : []),
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    files: () => ({ 'alertmanager.yml': config, ...(basicAuth ? { 'web.yml': `basic_auth_users:\n  ${basicAuth.user}: '${basicAuth.bcryptHash}'\n` } : {}) }),
    ...(basicAuth ? { readyHeaders: { authorization: basicAuthorization(basicAuth) } } : {}),
  });
}

export const basicAuthorization = ({ user, password }: { user: string; password: string }): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
