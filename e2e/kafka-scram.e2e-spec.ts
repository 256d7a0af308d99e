import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localKafkaConfig, startKafka, stopKafka, type LocalKafkaConfig } from '../deploy/kafka/local-kafka.mjs';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

const PASSWORD = `scram-${randomBytes(12).toString('hex')}`;
const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;

describe('Kafka with SASL/SCRAM: a broker that demands credentials, started for this file', () => {
  let broker: LocalKafkaConfig;
  let stateDir: string;
  let database: TestDatabase;
  const running: RunningService[] = [];
  const logs: string[] = [];

  const env = (password: string) => ({
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '2',
    KAFKA_BROKERS: broker.brokers.join(','),
    KAFKA_SASL_MECHANISM: 'scram-sha-256',
    KAFKA_SASL_USERNAME: 'holdfast',
    KAFKA_SASL_PASSWORD: password,
    LOG_LEVEL: 'debug',
    HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
  });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    stateDir = mkdtempSync(join(tmpdir(), 'holdfast-scram-kafka-'));
    broker = localKafkaConfig({
      ...process.env,
      KAFKA_STATE_DIR: stateDir,
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
      KAFKA_SCRAM_USERNAME: 'holdfast',
      KAFKA_SCRAM_PASSWORD: PASSWORD,
    });
    await startKafka(broker, { log: () => undefined });
    database = await createTestDatabase('kafka-scram');
  });

  afterAll(async () => {
    await Promise.all(running.map((service) => service.stop()));
    if (broker) await stopKafka(broker, { log: () => undefined });
    await database?.drop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('runs a service that connects with the password: topics provisioned, ready with Kafka up', async () => {
    const service = await startService({ name: 'maintenance-planner', port: await freePort(), env: env(PASSWORD), onLine: (line) => logs.push(line) });
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

  it('never writes either password to the logs', () => {
    expect(logs.length).toBeGreaterThan(0);
    const said = logs.join('\n');
    expect(said.includes(PASSWORD)).toBe(false);
    expect(said.includes('not-the-password')).toBe(false);
  });
});
