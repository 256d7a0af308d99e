import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
// A read endpoint on each service; each authenticates against its own copy of the keys.
const READS: Record<string, string> = { 'maintenance-planner': '/v1/holds', 'impact-analyzer': '/v1/surges', notifier: '/v1/deliveries' };

describe('API keys across the three services: issued on the planner, checked locally everywhere', () => {
  let database: TestDatabase;
  const services: Record<string, RunningService> = {};

  const read = (name: string, key: string) => fetch(`${services[name].baseUrl}${READS[name]}`, { headers: { authorization: `Bearer ${key}` } });
  const planner = (path: string, body: object) =>
    fetch(`${services['maintenance-planner'].baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify(body) });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('keys-e2e');
    const env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueTestId('keys')}.`,
      DATABASE_POOL_SIZE: '3',
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
    };
    await Promise.all(Object.keys(READS).map(async (name) => (services[name] = await startService({ name, port: await freePort(), env }))));
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await database?.drop();
  });

  it('a key created on the planner works on every service, and once revoked fails on every service', async () => {
    const created = (await (await planner('/v1/keys', { team: 'sre', scopes: ['read'], name: 'dashboards' })).json()) as { key: string; keyId: string };
    for (const name of Object.keys(READS)) await expectEventually(async () => expect((await read(name, created.key)).status, name).toBe(200));

    expect((await planner(`/v1/keys/${created.keyId}/revoke`, { reason: 'rotated' })).status).toBe(200);

    for (const name of Object.keys(READS)) {
      await expectEventually(async () => expect(await (await read(name, created.key)).json(), name).toMatchObject({ status: 401, code: 'revoked-key' }));
    }
  });

  it('every service refuses a request without a key, and leaves health open', async () => {
    for (const name of Object.keys(READS)) {
      expect((await fetch(`${services[name].baseUrl}${READS[name]}`)).status, name).toBe(401);
      expect((await fetch(`${services[name].baseUrl}/health/ready`)).status, name).toBe(200);
    }
  });
});
