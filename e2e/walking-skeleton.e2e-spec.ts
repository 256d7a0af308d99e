import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
const authorization = `Bearer ${ADMIN_KEY}`;

interface Listing<T> {
  items: T[];
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization } });
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

describe('walking skeleton: sample -> surge -> hold -> delivery across the three services', () => {
  let database: TestDatabase;
  const services: Record<string, RunningService> = {};
  const logs: string[] = [];
  // The owners' webhook receiver: the notifier delivers the hold here.
  const received: { headers: Record<string, unknown>; body: { type: string; data: { holdId: string } } }[] = [];
  let receiver: Server;

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ headers: request.headers, body: JSON.parse(body) });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    database = await createTestDatabase('walking-skeleton');
    const environment = testEnvironment();
    const env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: environment.kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueTestId('skeleton')}.`,
      DATABASE_POOL_SIZE: '3',
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      // The analyzer's seasonal detector decides nothing while a region warms up; a ceiling makes one sample a surge.
      ANALYZER_DETECTION: JSON.stringify({ defaults: { warmupCeiling: 1_000 } }),
      NOTIFIER_OUTBOUND_ALLOW: `127.0.0.1:${(receiver.address() as AddressInfo).port}`,
    };
    // Each is kept as soon as it is up, so afterAll stops it even if another fails to start.
    await Promise.all(
      ['maintenance-planner', 'impact-analyzer', 'notifier'].map(async (name) => {
        services[name] = await startService({ name, port: await freePort(), env, onLine: (line) => logs.push(`[${name}] ${line}`) });
      }),
    );
  });

  afterEach(({ task }) => {
    if (task.result?.state === 'fail') process.stderr.write(`what the services logged (warn and above):\n${logs.join('\n')}\n`);
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await database?.drop();
    receiver?.close();
  });

  it('reports every service ready, with PostgreSQL and Kafka up', async () => {
    for (const service of Object.values(services)) {
      const health = await getJson<{ status: string; details: Record<string, { status: string }> }>(`${service.baseUrl}/health`);
      expect(health.status, service.name).toBe('ok');
      expect(health.details.postgresql.status).toBe('up');
      expect(health.details.kafka.status).toBe('up');
    }
  });

  it('turns a surging sample into a hold and a delivered webhook, traceable to the sample', async () => {
    const subscribed = await fetch(`${services.notifier.baseUrl}/v1/subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ channel: 'webhook', target: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/holds`, ownerTeam: 'e2e', filters: { eventTypes: ['hold.placed'] } }),
    });
    expect(subscribed.status).toBe(201);
    const intake = await fetch(`${services['impact-analyzer'].baseUrl}/v1/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ samples: [{ region: 'IR', metric: 'requests', at: new Date().toISOString(), value: 5_000, source: 'e2e' }] }),
    });
    expect(intake.status).toBe(202);
    const { eventIds } = (await intake.json()) as { eventIds: string[] };
    const sampleId = eventIds[0];

    const surge = await expectEventually(async () => {
      const { items } = await getJson<Listing<{ id: string; region: string; status: string; causeEventId: string }>>(`${services['impact-analyzer'].baseUrl}/v1/surges`);
      const found = items.find((item) => item.causeEventId === sampleId);
      expect(found).toMatchObject({ region: 'IR', status: 'active' });
      return found!;
    });

    const hold = await expectEventually(async () => {
      const { items } = await getJson<Listing<{ id: string; regions: string[]; source: string; causeId: string; releasedAt: string | null }>>(`${services['maintenance-planner'].baseUrl}/v1/holds`);
      const found = items.find((item) => item.causeId === surge.id);
      expect(found).toMatchObject({ regions: ['IR'], source: 'detector', releasedAt: null });
      return found!;
    });

    // The sample's id is the correlation id of everything it caused.
    const delivery = await expectEventually(async () => {
      const { items } = await getJson<Listing<{ eventId: string; eventType: string; channel: string; status: string }>>(`${services.notifier.baseUrl}/v1/deliveries?correlationId=${sampleId}`);
      expect(items).toMatchObject([{ eventType: 'hold.placed', channel: 'webhook', status: 'delivered' }]);
      return items[0];
    });
    const webhook = received.find((request) => request.headers['webhook-id'] === delivery.eventId);
    expect(webhook?.body).toMatchObject({ type: 'hold.placed', data: { holdId: hold.id } });
  });

  it('counts what each service consumed on /metrics', async () => {
    const metrics = await (await fetch(`${services.notifier.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/holdfast_events_consumed_total\{[^}]*topic="maintenance\.holds\.v1"[^}]*type="hold\.placed"[^}]*outcome="applied"[^}]*\} 1$/m);
    const planner = await (await fetch(`${services['maintenance-planner'].baseUrl}/metrics`)).text();
    expect(planner).toMatch(/holdfast_outbox_published_total\{service="maintenance-planner"\} 1$/m);
  });

  it('answers a malformed sample batch with a problem document naming each bad field', async () => {
    const response = await fetch(`${services['impact-analyzer'].baseUrl}/v1/samples`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify({ samples: [{ region: 'Iran', metric: 'requests', at: 'yesterday', value: -1, source: 'e2e' }] }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { status: number; errors: { path: string }[] };
    expect(problem.status).toBe(400);
    expect(problem.errors.map((error) => error.path)).toEqual(['samples.0.region', 'samples.0.at', 'samples.0.value']);
  });
});
