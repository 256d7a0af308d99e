import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopChild } from '../scripts/system/system-runner.mjs';
import { runEnvironment, startSystem, untilUp, type StartedSystem } from './start-system';

describe('npm start with no PostgreSQL to use: an embedded one from the npm registry', () => {
  let system: StartedSystem;
  let dataDir: string;
  const ports = { postgres: 0, planner: 0, analyzer: 0, notifier: 0 };
  const embeddedUrl = () => `postgres://postgres:holdfast@127.0.0.1:${ports.postgres}/postgres`;

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

  it('stops the services and then the embedded server on Ctrl-C, exiting 0', async () => {
    system.child.kill('SIGINT');
    expect(await system.exit).toBe(0);
    const client = new pg.Client({ connectionString: embeddedUrl(), connectionTimeoutMillis: 2_000 });
    await expect(client.connect()).rejects.toThrow();
  });
});
