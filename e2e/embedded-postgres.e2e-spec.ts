import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../scripts/system/embedded-postgres.mjs';
import { freePort, ROOT, stopChild } from '../scripts/system/system-runner.mjs';
import { runEnvironment, startSystem, untilUp, type StartedSystem } from './start-system';

const embeddedUrlOn = (port: number) => `postgres://postgres:holdfast@127.0.0.1:${port}/postgres`;

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `npm run demo` as a person runs it; `env` entries set to undefined are removed. */
function runDemo(env: Record<string, string | undefined>): Promise<{ code: number | null; output: string }> {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete merged[name];
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vite-node/vite-node.mjs'), '--config', 'vitest.config.mts', 'scripts/demo/run-demo.ts'], { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('npm start with no PostgreSQL to use: an embedded one from the npm registry', () => {
  let system: StartedSystem;
  let dataDir: string;
  const ports = { postgres: 0, planner: 0, analyzer: 0, notifier: 0 };
  const embeddedUrl = () => embeddedUrlOn(ports.postgres);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'holdfast-embedded-pg-'));
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    system = startSystem({
      // No DATABASE_URL, and `always` so the machine's own server on 5432 is not used even though it answers.
      DATABASE_URL: undefined,
      HOLDFAST_EMBEDDED_POSTGRES: 'always',
      HOLDFAST_EMBEDDED_POSTGRES_DIR: dataDir,
      HOLDFAST_EMBEDDED_POSTGRES_PORT: String(ports.postgres),
      ...runEnvironment('embedded-pg', ports),
    });
    await untilUp(system, 120_000);
  });

  afterAll(async () => {
    if (system) await stopChild(system.child);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('says it starts the embedded server, and every service keeps its schema there', async () => {
    expect(system.output.some((line) => line.includes('starting an embedded PostgreSQL (binaries from the npm registry)'))).toBe(true);
    const client = new pg.Client({ connectionString: embeddedUrl() });
    await client.connect();
    try {
      const { rows } = await client.query<{ schema_name: string }>("SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('maintenance_planner', 'impact_analyzer', 'notifier') ORDER BY 1");
      expect(rows.map((row) => row.schema_name)).toEqual(['impact_analyzer', 'maintenance_planner', 'notifier']);
    } finally {
      await client.end();
    }
    for (const port of [ports.planner, ports.analyzer, ports.notifier]) expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
  });

  it('makes a second npm start given a wrong password for that server exit 1, saying to fix the password', async () => {
    const wrong = startSystem({ DATABASE_URL: `postgres://postgres:not-the-password@127.0.0.1:${ports.postgres}/postgres`, KAFKA_BROKERS: runEnvironment('embedded-pg', ports).KAFKA_BROKERS });
    expect(await wrong.exit).toBe(1);
    const said = wrong.output.join('\n');
    expect(said).toContain(`PostgreSQL at postgres://postgres:***@127.0.0.1:${ports.postgres}/postgres answers: password authentication failed for user "postgres". Fix the password in DATABASE_URL`);
    expect(said).not.toContain('not-the-password');
  });

  it('stops the services and then the embedded server on Ctrl-C, exiting 0', async () => {
    system.child.kill('SIGINT');
    expect(await system.exit).toBe(0);
    const client = new pg.Client({ connectionString: embeddedUrl(), connectionTimeoutMillis: 2_000 });
    await expect(client.connect()).rejects.toThrow();
  });
});

describe('an embedded PostgreSQL that cannot start', () => {
  const dataDirs: string[] = [];
  const newDataDir = () => {
    dataDirs.push(mkdtempSync(join(tmpdir(), 'holdfast-embedded-pg-')));
    return dataDirs.at(-1)!;
  };
  afterEach(() => {
    for (const dataDir of dataDirs.splice(0)) rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes npm start exit 1 with what PostgreSQL said and what to do, when its port is taken', async () => {
    const holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as { port: number };
    try {
      const system = startSystem({ DATABASE_URL: undefined, HOLDFAST_EMBEDDED_POSTGRES: 'always', HOLDFAST_EMBEDDED_POSTGRES_DIR: newDataDir(), HOLDFAST_EMBEDDED_POSTGRES_PORT: String(port), ...runEnvironment('embedded-pg-taken', { planner: 0, analyzer: 0, notifier: 0 }) });
      expect(await system.exit).toBe(1);
      const said = system.output.join('\n');
      expect(said).toContain(`the embedded PostgreSQL did not start on 127.0.0.1:${port}`);
      expect(said).toContain(`Port ${port} is taken: set HOLDFAST_EMBEDDED_POSTGRES_PORT to a free one`);
      expect(said).toMatch(/PostgreSQL said:\n[\s\S]*could not bind IPv4 address "127\.0\.0\.1": Address already in use/);
      expect(said).not.toContain('Cannot read properties');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe('npm run demo with an embedded PostgreSQL, when its set-up fails after the server is up', () => {
  // An unusable KAFKA_PORT fails the demo's Kafka step, after the database step.
  const failingDemo = (port: number, dataDir: string) =>
    runDemo({ DATABASE_URL: undefined, KAFKA_BROKERS: undefined, KAFKA_PORT: 'not-a-port', HOLDFAST_EMBEDDED_POSTGRES: 'always', HOLDFAST_EMBEDDED_POSTGRES_PORT: String(port), HOLDFAST_EMBEDDED_POSTGRES_DIR: dataDir });
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'holdfast-demo-pg-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the server on the port npm start uses (HOLDFAST_EMBEDDED_POSTGRES_PORT) and stops it again', async () => {
    const port = await freePort();
    const demo = await failingDemo(port, dataDir);
    expect(demo.code).toBe(1);
    expect(demo.output).toContain(`postgresql: starting the embedded server on 127.0.0.1:${port}`);
    expect(demo.output).toContain('FAILED before the story started: KAFKA_PORT=not-a-port is not a positive integer');
    expect(await answers(embeddedUrlOn(port))).toBe(false);
  });

  it('leaves running an embedded server it found running', async () => {
    const port = await freePort();
    const earlier = await startEmbeddedPostgres({ dataDir, port });
    try {
      const demo = await failingDemo(port, dataDir);
      expect(demo.code).toBe(1);
      expect(await answers(embeddedUrlOn(port))).toBe(true);
    } finally {
      await earlier.stop();
    }
  });
});
