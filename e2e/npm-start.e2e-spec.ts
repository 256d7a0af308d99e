import { createTestDatabase, testEnvironment, type TestDatabase } from '@holdfast/testing';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopChild } from '../scripts/system/system-runner.mjs';
import { runEnvironment, startSystem, untilUp, type StartedSystem } from './start-system';

/** npm start for a describe block, on a database and ports of its own, up before its tests and stopped after them. */
function systemForSuite(name: string): { system: StartedSystem; ports: { planner: number; analyzer: number; notifier: number } } {
  const suite = { system: undefined as unknown as StartedSystem, ports: { planner: 0, analyzer: 0, notifier: 0 } };
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(name);
    suite.ports.planner = await freePort();
    suite.ports.analyzer = await freePort();
    suite.ports.notifier = await freePort();
    suite.system = startSystem({ DATABASE_URL: database.url, ...runEnvironment(name, suite.ports) });
    await untilUp(suite.system, 90_000);
  });
  afterAll(async () => {
    if (suite.system) await stopChild(suite.system.child);
    await database?.drop();
  });
  return suite;
}

describe('npm start: the whole system from one command', () => {
  const suite = systemForSuite('npm-start');
  const { ports } = suite;

  it('starts the three services on the configured ports, each ready with PostgreSQL and Kafka', async () => {
    for (const port of Object.values(ports)) {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status, `port ${port}`).toBe(200);
    }
    expect(suite.system.output.filter((line) => line.includes(': ready at http://127.0.0.1:'))).toHaveLength(3);
  });

  it('prints an admin key and a declaration to try that the running analyzer accepts', async () => {
    const curl = suite.system.output.find((line) => line.includes(`curl -s -XPOST http://127.0.0.1:${ports.analyzer}/v1/declarations`));
    expect(curl).toBeDefined();
    const body = suite.system.output.find((line) => line.includes(`-d '{"regions"`))!.match(/-d '(.*)'/)![1];

    // The line as printed, run by a shell: it reads the key from its file, and never shows the key itself.
    const exportLine = suite.system.output.find((line) => line.includes('export HOLDFAST_KEY='))!.replace(/^.*?export /, 'export ');
    expect(exportLine).toMatch(/^export HOLDFAST_KEY=\$\(cat '[^']+\/\.holdfast\/bootstrap-key'\)$/);
    expect(suite.system.output.join('\n')).not.toMatch(/hf_bootstrap_/);
    const key = spawnSync('bash', ['-c', `${exportLine}; printf %s "$HOLDFAST_KEY"`], { encoding: 'utf8' }).stdout;
    expect(key).toMatch(/^hf_bootstrap_/);
    const response = await fetch(`http://127.0.0.1:${ports.analyzer}/v1/declarations`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body });

    expect(response.status).toBe(201);
  });

  // A supervisor (systemd, a CI step, kill) signals npm's process alone, where Ctrl-C reaches the whole group: npm passes it on to
  // the system only because the script execs node (before 2026-12-05, sh kept it, and the services ran on answering).
  it("stops every service gracefully on a SIGTERM to npm's process alone and exits 0", async () => {
    suite.system.child.kill('SIGTERM');

    expect(await suite.system.exit).toBe(0);
    expect(suite.system.output.some((line) => line.startsWith('[holdfast] stopped.'))).toBe(true);
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    }
  });
});

/** The pid of the service process that npm start (`npmPid`, npm's own process) runs for `service`, read from /proc. */
function servicePid(npmPid: number, service: string): number {
  const parents = new Map<number, number>();
  const services: number[] = [];
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      // The parent pid is the fourth field of /proc/<pid>/stat, after the command in parentheses.
      parents.set(Number(entry), Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]));
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(`dist/services/${service}/src/main.js`)) services.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  const underNpm = (pid: number): boolean => pid === npmPid || (parents.has(pid) && pid > 1 && underNpm(parents.get(pid)!));
  const found = services.find((pid) => underNpm(parents.get(pid)!));
  if (found === undefined) throw new Error(`npm start (npm's pid ${npmPid}) runs no ${service}`);
  return found;
}

describe('npm start when a service dies under it', () => {
  const suite = systemForSuite('npm-start-dies');
  const { ports } = suite;

  it('says which one stopped, stops the others and exits 1, rather than answering in part', async () => {
    process.kill(servicePid(suite.system.child.pid!, 'impact-analyzer'), 'SIGKILL');

    expect(await suite.system.exit).toBe(1);
    expect(suite.system.output).toContain(
      '[holdfast] impact-analyzer stopped (SIGKILL) while the system was running; its last lines are above. Stopping the other services: run npm start again once the cause is fixed.',
    );
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/health/live`), `port ${port}`).rejects.toThrow();
    }
  });
});

describe('npm start without a database', () => {
  it('exits 1 naming the unreachable PostgreSQL and how to fix it, before starting anything', async () => {
    const system = startSystem({ DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere', KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(',') });

    expect(await system.exit).toBe(1);
    const said = system.output.join('\n');
    expect(said).toContain('PostgreSQL at postgres://postgres@127.0.0.1:1/nowhere is not reachable');
    expect(said).toContain('set DATABASE_URL');
    expect(said).not.toContain('starting on port');
  });

  it('exits 1 at once naming a KAFKA_BROKERS nothing answers at, before starting any service', async () => {
    const system = startSystem({ DATABASE_URL: testEnvironment().databaseUrl, KAFKA_BROKERS: '127.0.0.1:1' });

    expect(await system.exit).toBe(1);
    const said = system.output.join('\n');
    expect(said).toContain('no Kafka broker answers at KAFKA_BROKERS=127.0.0.1:1');
    expect(said).toContain('unset KAFKA_BROKERS');
    // Else each service would spend about 15 s finding the broker gone.
    expect(said).not.toContain('starting on port');
  });

  it('exits 1 with what the server answered and what to do, when it answers but has no such database', async () => {
    const url = new URL(testEnvironment().databaseUrl);
    url.pathname = '/holdfast_no_such_database';
    const system = startSystem({ DATABASE_URL: url.toString(), KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(',') });

    expect(await system.exit).toBe(1);
    const said = system.output.join('\n');
    expect(said).toContain('answers: database "holdfast_no_such_database" does not exist. Create it (as a superuser: CREATE DATABASE "holdfast_no_such_database") or set DATABASE_URL');
    expect(said).not.toMatch(/not reachable|pg_ctlcluster|starting on port/);
  });
});
