import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
const ALERTMANAGER_TOKEN = `am-${randomBytes(18).toString('hex')}`;
// A read endpoint on each service; each authenticates against its own copy of the keys.
const READS: Record<string, string> = { 'maintenance-planner': '/v1/holds', 'impact-analyzer': '/v1/surges', notifier: '/v1/deliveries' };

describe('API keys across the three services: issued on the planner, checked locally everywhere', () => {
  let database: TestDatabase;
  const services: Record<string, RunningService> = {};
  const logs: string[] = [];
  const secrets: string[] = [ADMIN_KEY, ALERTMANAGER_TOKEN];

  const read = (name: string, key: string) => fetch(`${services[name].baseUrl}${READS[name]}`, { headers: { authorization: `Bearer ${key}` } });
  const planner = (path: string, body: object) =>
    fetch(`${services['maintenance-planner'].baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` }, body: JSON.stringify(body) });

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('keys-e2e');
    // Trust auth ignores the password, so the services connect; the logs must still never show it.
    const databaseUrl = new URL(database.url);
    databaseUrl.password = `pg-${randomBytes(12).toString('hex')}`;
    secrets.push(databaseUrl.password);
    const env = {
      DATABASE_URL: databaseUrl.toString(),
      KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueTestId('keys')}.`,
      DATABASE_POOL_SIZE: '3',
      LOG_LEVEL: 'debug',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      ALERT_SENDERS: JSON.stringify({ alertmanager: { bearer: ALERTMANAGER_TOKEN } }),
      // Port 9 (discard) on loopback: subscriptions to it are accepted, and nothing there answers.
      NOTIFIER_OUTBOUND_ALLOW: '127.0.0.1:9',
    };
    await Promise.all(Object.keys(READS).map(async (name) => (services[name] = await startService({ name, port: await freePort(), env, onLine: (line) => logs.push(line) }))));
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await database?.drop();
  });

  it('a key created on the planner works on every service, and once revoked fails on every service', async () => {
    const created = (await (await planner('/v1/keys', { team: 'sre', scopes: ['read'], name: 'dashboards' })).json()) as { key: string; keyId: string };
    secrets.push(created.key);
    for (const name of Object.keys(READS)) await expectEventually(async () => expect((await read(name, created.key)).status, name).toBe(200));

    expect((await planner(`/v1/keys/${created.keyId}/revoke`, { reason: 'rotated' })).status).toBe(200);

    for (const name of Object.keys(READS)) {
      await expectEventually(async () => expect(await (await read(name, created.key)).json(), name).toMatchObject({ status: 401, code: 'revoked-key' }));
    }
  });

  it('lets a team key subscribe for its own team only, on the notifier', async () => {
    const { key } = (await (await planner('/v1/keys', { team: 'edge', scopes: ['read', 'subscriptions:write'], name: 'edge alerts' })).json()) as { key: string };
    secrets.push(key);
    await expectEventually(async () => expect((await read('notifier', key)).status).toBe(200));
    const subscribe = (ownerTeam: string) =>
      fetch(`${services.notifier.baseUrl}/v1/subscriptions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ channel: 'webhook', target: 'http://127.0.0.1:9/holdfast', ownerTeam }),
      });
    const foreign = await subscribe('storage');
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({
      code: 'other-team',
      ownerTeam: 'storage',
      detail: 'A key of team edge cannot subscribe for team storage: a key acts for its own team only. Set ownerTeam to edge, or use a key of team storage or an admin key.',
    });
    expect((await subscribe('edge')).status).toBe(201);

    // What a team's receiver missed, the team replays itself (a 410's message tells it to); another team's, it may not.
    const notifier = (path: string, token: string, body: object = {}) =>
      fetch(`${services.notifier.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
    const storage = (await (await notifier('/v1/subscriptions', ADMIN_KEY, { channel: 'webhook', target: 'http://127.0.0.1:9/storage', ownerTeam: 'storage' })).json()) as { id: string };
    const { deliveryId } = (await (await notifier(`/v1/subscriptions/${storage.id}/test`, ADMIN_KEY)).json()) as { deliveryId: string };
    const other = await notifier(`/v1/deliveries/${deliveryId}/replay`, key);
    expect(other.status).toBe(403);
    expect(await other.json()).toMatchObject({ code: 'other-team', ownerTeam: 'storage' });
    const own = await notifier('/v1/deliveries/replay', key, { status: 'dead' });
    expect(own.status).toBe(202);
    expect(await own.json()).toEqual({ replayed: 0 });
  });

  it('answers a webhook sender and a new subscription without repeating their secrets', async () => {
    const alert = (token: string) =>
      fetch(`${services['impact-analyzer'].baseUrl}/v1/alerts/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ version: '4', groupKey: 'g', status: 'firing', receiver: 'holdfast', groupLabels: {}, commonLabels: {}, commonAnnotations: {}, externalURL: 'http://alertmanager', alerts: [] }),
      });
    const wrong = await alert(`${ALERTMANAGER_TOKEN}-wrong`);
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(ALERTMANAGER_TOKEN);
    expect((await alert(ALERTMANAGER_TOKEN)).status).toBe(200);

    const subscribed = await fetch(`${services.notifier.baseUrl}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ channel: 'webhook', target: 'http://127.0.0.1:9/holdfast', ownerTeam: 'sre' }),
    });
    expect(subscribed.status).toBe(201);
    const { id, secret } = (await subscribed.json()) as { id: string; secret: string };
    expect(secret).toMatch(/^whsec_/);
    secrets.push(secret);
    const read = await fetch(`${services.notifier.baseUrl}/v1/subscriptions/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    // The subscription itself, not a refusal that would lack the secret anyway.
    const shown = await read.text();
    expect(JSON.parse(shown)).toMatchObject({ id, ownerTeam: 'sre' });
    expect(shown).not.toContain(secret.slice(6));
  });

  it('never writes a key, a webhook credential, a subscription secret or the database password to the logs, even at debug level', async () => {
    expect(logs.length).toBeGreaterThan(10);
    const said = logs.join('\n');
    for (const secret of secrets) expect(said.includes(secret), `a secret of ${secret.length} characters appears in the logs`).toBe(false);
    expect(said).toContain('[redacted]');
  });

  it('every service refuses a request without a key, and leaves health open', async () => {
    for (const name of Object.keys(READS)) {
      expect((await fetch(`${services[name].baseUrl}${READS[name]}`)).status, name).toBe(401);
      expect((await fetch(`${services[name].baseUrl}/health/ready`)).status, name).toBe(200);
    }
  });
});
