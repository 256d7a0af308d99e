import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, ROOT, startService, type RunningService } from '../scripts/system/system-runner.mjs';
import { startPrivateBroker, type PrivateBroker } from './support/private-broker';

const PASSWORD = `scram-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;

describe('Kafka with SASL/SCRAM: a broker that demands credentials, started for this file', () => {
  let broker: PrivateBroker;
  let database: TestDatabase;
  const running: RunningService[] = [];
  const logs: string[] = [];

  const env = (password: string) => ({
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '2',
    KAFKA_BROKERS: broker.config.brokers.join(','),
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: 'holdfast',
    KAFKA_SASL_PASSWORD: password,
    LOG_LEVEL: 'debug',
    HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
  });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    broker = await startPrivateBroker('scram', { KAFKA_SCRAM_USERNAME: 'holdfast', KAFKA_SCRAM_PASSWORD: PASSWORD });
    database = await createTestDatabase('kafka-scram');
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    await broker?.remove();
    await database?.drop();
  });

  it('runs a service that connects with the password: topics provisioned, ready with Kafka up; a misspelt variable beside it is named with the one it meant', async () => {
    const service = await startService({ name: 'maintenance-planner', port: await freePort(), env: { ...env(PASSWORD), KAFKA_SASL_MECHANISMS: 'plain' }, onLine: (line) => logs.push(line) });
    expect(logs).toContain('maintenance-planner: KAFKA_SASL_MECHANISMS is not a variable maintenance-planner reads, so it is ignored; did you mean KAFKA_SASL_MECHANISM? (README.md, Configuration)');
    running.push(service);
    const health = (await (await fetch(`${service.baseUrl}/health`)).json()) as { details: { kafka: { status: string } } };
    expect(health.details.kafka.status).toBe('up');
    const created = await fetch(`${service.baseUrl}/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ team: 'sre', scopes: ['read'], name: 'over scram' }),
    });
    expect(created.status).toBe(201);
  });

  it('refuses to start with a wrong password, saying Kafka refused the credentials and what to check', async () => {
    const failure = startService({ name: 'notifier', port: await freePort(), env: env('not-the-password'), readyTimeoutMs: 60_000, onLine: (line) => logs.push(line) });
    await expect(failure).rejects.toThrow(/notifier exited \(code 1\) before it was ready/);
    const message = String(await failure.catch((error: Error) => error.message));
    expect(message).toMatch(/Kafka at 127\.0\.0\.1:\d+ refused the SASL credentials/);
    expect(message).toContain('KAFKA_SASL_USERNAME');
    expect(message).not.toContain('not-the-password');
  });

  it('kafka:status reads the broker as running, logging in as kafka:start does (exit 0, not 3)', () => {
    const { config } = broker;
    const env = { ...process.env, KAFKA_STATE_DIR: config.stateDir, KAFKA_PORT: String(config.port), KAFKA_CONTROLLER_PORT: String(config.controllerPort), KAFKA_SCRAM_USERNAME: 'holdfast', KAFKA_SCRAM_PASSWORD: PASSWORD };
    const status = spawnSync(process.execPath, ['deploy/kafka/local-kafka.mjs', 'status'], { cwd: ROOT, env, encoding: 'utf8' });
    expect(status.stdout).toContain(`broker:  answering on 127.0.0.1:${config.port}`);
    expect(status.status).toBe(0);
  });

  it('never writes either password to the logs', () => {
    expect(logs.length).toBeGreaterThan(0);
    const said = logs.join('\n');
    expect(said.includes(PASSWORD)).toBe(false);
    expect(said.includes('not-the-password')).toBe(false);
  });
});
