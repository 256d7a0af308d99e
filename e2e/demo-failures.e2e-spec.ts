import { testEnvironment } from '@holdfast/testing';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freePort, ROOT } from '../scripts/system/system-runner.mjs';

/** Runs `npm run demo` to its end with `env` on top of the test system's database and broker. */
async function runDemo(env: Record<string, string>): Promise<{ code: number | null; output: string; seconds: number }> {
  const { databaseUrl, kafkaBrokers } = testEnvironment();
  const startedAt = Date.now();
  const demo = spawn(process.execPath, [join(ROOT, 'node_modules/vite-node/vite-node.mjs'), '--config', 'vitest.config.mts', 'scripts/demo/run-demo.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, KAFKA_BROKERS: kafkaBrokers.join(','), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => demo.once('exit', resolve));
  return { code, output, seconds: (Date.now() - startedAt) / 1000 };
}

/** A stack frame: what a newcomer should not have to read when the cause is their configuration. */
const STACK_FRAME = /^\s+at /m;

describe('npm run demo when it cannot start', () => {
  it('exits 1 within seconds naming KAFKA_BROKERS when no broker answers there, before creating anything', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`;

    const { code, output, seconds } = await runDemo({ KAFKA_BROKERS: nowhere });

    expect(code, output).toBe(1);
    expect(output).toContain(`FAILED before the story started: no Kafka broker answers at KAFKA_BROKERS=${nowhere}.`);
    expect(output).not.toContain('starting the three services');
    expect(output).not.toMatch(STACK_FRAME);
    // The services alone take over fifteen seconds to give up on a broker that is not there.
    expect(seconds).toBeLessThan(12);
  });

  it("exits 1 with the service's own reason, no stack trace, when a service refuses its configuration, and drops its database", async () => {
    const { code, output } = await runDemo({ NOTIFIER_SECRET_KEY: 'not-a-key' });

    expect(code, output).toBe(1);
    expect(output).toContain('FAILED before the story started: notifier exited (code 1) before it was ready.');
    expect(output).toContain('NOTIFIER_SECRET_KEY (a secret, not shown): must be 32 bytes in base64');
    expect(output).not.toMatch(STACK_FRAME);
    const database = output.match(/\(database (demo_\w+),/)?.[1];
    expect(database, output).toBeDefined();
    const admin = new pg.Client({ connectionString: testEnvironment().databaseUrl });
    await admin.connect();
    try {
      expect((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });
});
