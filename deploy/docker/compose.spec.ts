import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { EMBEDDED_POSTGRES_PORT } from '../../scripts/system/embedded-postgres.mjs';
import { ROOT } from '../../scripts/system/system-runner.mjs';

interface ComposeService {
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  ports?: string[];
}

const compose = YAML.parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const SERVICES = ['maintenance-planner', 'impact-analyzer', 'notifier'];

describe('docker-compose.yml', () => {
  let liveness: Server;
  let port: number;
  /** What the stand-in's /health/live answers: 503 is what a service answers while a consumer has stopped for good. */
  let liveStatus = 200;

  beforeAll(async () => {
    liveness = createServer((request, response) => void response.writeHead(request.url === '/health/live' ? liveStatus : 404).end());
    await new Promise<void>((resolve) => liveness.listen(0, '127.0.0.1', resolve));
    port = (liveness.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => liveness.close(() => resolve())));

  /** Runs a health check's command as Docker would in the image, whose only HTTP client is node; its exit code. */
  const check = (test: string[], env: Record<string, string>) => {
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    const child = spawn(process.execPath, ['-e', test[3]], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 10_000 });
    return new Promise<number | null>((resolve) => child.once('exit', resolve));
  };

  it.each(SERVICES)('gives %s a container health check on its liveness, healthy only while /health/live answers 200', async (name) => {
    const { healthcheck, environment } = compose.services[name];
    expect(healthcheck?.test.join(' ')).toContain('/health/live');
    expect(environment?.PORT).toMatch(/^\d+$/);
    liveStatus = 200;
    expect(await check(healthcheck!.test, { PORT: String(port) })).toBe(0);
    liveStatus = 503;
    expect(await check(healthcheck!.test, { PORT: String(port) })).toBe(1);
    // Nothing listening yet (still migrating) is unhealthy too, not a hung check.
    await new Promise<void>((resolve) => liveness.close(() => resolve()));
    try {
      expect(await check(healthcheck!.test, { PORT: String(port) })).toBe(1);
    } finally {
      await new Promise<void>((resolve) => liveness.listen(port, '127.0.0.1', resolve));
    }
  });

  // The image runs with NODE_ENV=production, where the notifier refuses to start without a key; a fallback here would be a key everybody has.
  it('gives the notifier NOTIFIER_SECRET_KEY from the shell that runs compose, failing with what to set when it is unset', () => {
    expect(compose.services.notifier.environment?.NOTIFIER_SECRET_KEY).toMatch(/^\$\{NOTIFIER_SECRET_KEY:\?set NOTIFIER_SECRET_KEY to .*openssl rand -base64 32.*\}$/);
  });

  it.each(SERVICES)('gives %s the admin key from the shell that runs compose, with no fallback in the file', (name) => {
    expect(compose.services[name].environment?.HOLDFAST_BOOTSTRAP_KEY).toMatch(/^\$\{HOLDFAST_BOOTSTRAP_KEY:\?set HOLDFAST_BOOTSTRAP_KEY to an admin key .*\}$/);
  });

  it("publishes PostgreSQL on a host port other than npm start's embedded server's", () => {
    const published = compose.services.postgres.ports!.map((mapping) => Number(mapping.split(':').at(-2)));
    expect(published).toHaveLength(1);
    expect(published).not.toContain(EMBEDDED_POSTGRES_PORT);
    expect(published).not.toContain(5432);
  });
});

describe('service.Dockerfile', () => {
  it('builds on the Node release package-lock.json pins, not a floating tag: each Node build carries its own time zone rules', () => {
    const dockerfile = readFileSync(join(ROOT, 'deploy/docker/service.Dockerfile'), 'utf8');
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    const pinned = lock.packages['node_modules/node'].version;
    expect(dockerfile).toContain(`ARG NODE_VERSION=${pinned}\n`);
    expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map(([, image]) => image)).toEqual(['node:${NODE_VERSION}-slim', 'node:${NODE_VERSION}-slim']);
  });
});
