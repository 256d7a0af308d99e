import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';
import { hostileValues, hoursFromNow, oneFieldChanged, type Json } from './support/one-field-changed';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
const ALERT_BEARER = `e2e-alerts-${randomBytes(24).toString('base64url')}`;
const RUNS_PER_OPERATION = 25;
// Operations whose side effect is an outbound request to a target taken from the body: generated
// targets could name any address, and this machine sends traffic to loopback only.
// Open without an API key: probes, scrapes, the alert webhooks (their own per-sender credentials) and the week page.
const OPEN = [/^\/health/, /^\/metrics/, /^\/v1\/alerts\//, /^\/calendar/];
// Also the probes: readiness answers 503 by design while a dependency is slow to answer.
const NOT_FUZZED = [/^\/health/, /^\/v1\/subscriptions/, /^\/v1\/deliveries\/.*replay/];

interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: 'path' | 'query' | 'header' }[];
  bodyProperties: string[];
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
}

function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({
        method: method.toUpperCase(),
        path,
        parameters: (operation.parameters ?? []).filter((parameter): parameter is Operation['parameters'][number] => ['path', 'query', 'header'].includes(parameter.in)),
        bodyProperties: Object.keys(operation.requestBody?.content?.['application/json']?.schema?.properties ?? {}),
      })),
  );
}

// Values a hurried or hostile client sends: wrong types, edge numbers, odd strings, nesting.
const hostileValue = fc.oneof(
  // Year 0000, which PostgreSQL cannot read as text, and half a surrogate pair, which JSON.stringify writes as a lone \ud800 escape and jsonb refuses: each was a 500 until 2026-12-05.
  fc.constantFrom(null, true, 0, -1, 1e308, '', ' ', 'IR', 'eu-west', '2026-06-14T21:00:00Z', '2026-02-30T25:61:00Z', '0000-06-01T00:00:00Z', 'Asia/Teheran', 'FREQ=MINUTELY', '../../etc/passwd', '%00', '\u0000', '\ud800', 'ß'.repeat(300)),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double({ noNaN: false }),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const pathValue = fc.oneof(fc.uuid(), fc.constantFrom('0', 'IR', 'ffffffffffffffff', '%2F..', 'null', 'I\u0000R'), fc.stringMatching(/^[a-zA-Z0-9_-]{1,20}$/));
// fc.string() draws printable ASCII only: NUL (which PostgreSQL refuses) comes from the constants.
const queryValue = fc.oneof({ arbitrary: fc.string({ maxLength: 30 }), weight: 4 }, { arbitrary: fc.constantFrom('I\u0000R', 'network\u0000ops', 'IR', '0000-06-01T00:00:00Z', '2026-06-14T21:00:00Z'), weight: 1 });

/** The operations the fuzzing tests below send to, read from the service's own OpenAPI document. */
async function fuzzedOperations(baseUrl: string): Promise<Operation[]> {
  const document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as OpenApiDocument;
  return operationsOf(document).filter((operation) => !NOT_FUZZED.some((pattern) => pattern.test(operation.path)));
}

function requestOf(operation: Operation) {
  const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
  const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
  const body = operation.bodyProperties.length
    ? fc.oneof(fc.record(Object.fromEntries(operation.bodyProperties.map((name) => [name, hostileValue])), { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 }))
    : fc.constant(undefined);
  return fc.record({
    path: fc.tuple(...pathParameters.map(() => pathValue)),
    query: fc.tuple(...queryParameters.map(() => fc.option(queryValue, { nil: undefined }))),
    body,
  }).map(({ path, query, body: payload }) => {
    let url = operation.path;
    pathParameters.forEach((parameter, index) => (url = url.replace(`{${parameter.name}}`, encodeURIComponent(path[index]))));
    const search = new URLSearchParams();
    queryParameters.forEach((parameter, index) => query[index] !== undefined && search.set(parameter.name, query[index]!));
    return { url: `${url}${search.size ? `?${search}` : ''}`, body: payload };
  });
}

describe('every endpoint of every service, fed generated requests from its own OpenAPI document, never answers 5xx', () => {
  let database: TestDatabase;
  const services: Record<string, RunningService> = {};

  beforeAll(async () => {
    buildServices({ log: () => undefined });
    database = await createTestDatabase('api-fuzz');
    const env = {
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testEnvironment().kafkaBrokers.join(','),
      KAFKA_TOPIC_PREFIX: `${uniqueTestId('fuzz')}.`,
      DATABASE_POOL_SIZE: '3',
      LOG_LEVEL: 'warn',
      HOLDFAST_BOOTSTRAP_KEY: ADMIN_KEY,
      HOLDFAST_RATE_LIMIT_PER_MINUTE: '0',
      // The admin key sent to the alert webhooks is a wrong credential each time: no limit on those either, or the sender's own would be refused.
      HOLDFAST_AUTH_FAILURES_PER_MINUTE: '0',
      // The one-field-changed requests below subscribe loopback receivers and send alerts.
      NOTIFIER_OUTBOUND_ALLOW: '127.0.0.1',
      ALERT_SENDERS: JSON.stringify({ alertmanager: { bearer: ALERT_BEARER }, grafana: { bearer: ALERT_BEARER } }),
    };
    await Promise.all(['maintenance-planner', 'impact-analyzer', 'notifier'].map(async (name) => (services[name] = await startService({ name, port: await freePort(), env }))));
  });

  afterAll(async () => {
    await Promise.all(Object.values(services).map((service) => service.stop()));
    await database?.drop();
  });

  it('every operation but the open ones refuses a request without a key, and a read-only key on every write', async () => {
    const planner = services['maintenance-planner'].baseUrl;
    const created = await fetch(`${planner}/v1/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
      body: JSON.stringify({ team: 'outsiders', scopes: ['read'], name: 'read only' }),
    });
    const { key } = (await created.json()) as { key: string };
    // A read on each service says its copy of the keys has the new one.
    const reads: Record<string, string> = { 'maintenance-planner': '/v1/holds', 'impact-analyzer': '/v1/surges', notifier: '/v1/deliveries' };
    for (const service of Object.values(services)) {
      await expectEventually(async () => expect((await fetch(`${service.baseUrl}${reads[service.name]}`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200));
    }
    let checked = 0;
    for (const service of Object.values(services)) {
      const document = (await (await fetch(`${service.baseUrl}/docs-json`)).json()) as OpenApiDocument;
      for (const operation of operationsOf(document).filter((candidate) => !OPEN.some((pattern) => pattern.test(candidate.path)))) {
        const url = service.baseUrl + operation.path.replace(/\{[^}]+\}/g, '0190a7d2-0000-7000-8000-000000000000');
        const call = (authorization?: string) => fetch(url, { method: operation.method, headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: operation.method === 'GET' || operation.method === 'DELETE' ? undefined : '{}' });
        const anonymous = await call();
        expect(anonymous.status, `${service.name} ${operation.method} ${operation.path} without a key`).toBe(401);
        expect(((await anonymous.json()) as { code: string }).code).toBe('missing-key');
        const readOnly = await call(`Bearer ${key}`);
        // Reading is open to every key with `read`, except the key list, which is the admins'.
        if (operation.method === 'GET' && !operation.path.startsWith('/v1/keys')) expect([401, 403], `${service.name} GET ${operation.path} with a read key`).not.toContain(readOnly.status);
        else expect(readOnly.status, `${service.name} ${operation.method} ${operation.path} with a read-only key`).toBe(403);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  /** A JSON request as a client sends it: the admin key unless another credential is given. */
  async function send(service: string, method: string, path: string, body: unknown, authorization = `Bearer ${ADMIN_KEY}`) {
    const response = await fetch(`${services[service].baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
  }

  // Each was a 500 once: sent in every query parameter and every body field of every operation, not left to the draw above.
  const ONCE_FATAL = ['0000-06-01T00:00:00Z', '\ud800', '\u0000'];

  for (const name of ['maintenance-planner', 'impact-analyzer', 'notifier']) {
    it(`${name}: no 5xx for a value that once was one, in any query parameter or body field`, async () => {
      let sent = 0;
      for (const operation of await fuzzedOperations(services[name].baseUrl)) {
        const path = operation.path.replace(/\{[^}]+\}/g, '0190a7d2-0000-7000-8000-000000000000');
        const queries = operation.parameters.filter((parameter) => parameter.in === 'query').flatMap((parameter) => ONCE_FATAL.map((value) => ({ url: `${path}?${new URLSearchParams({ [parameter.name]: value })}`, body: undefined as unknown })));
        const bodies = operation.bodyProperties.flatMap((property) => ONCE_FATAL.map((value) => ({ url: path, body: { [property]: value } as unknown })));
        for (const { url, body } of [...queries, ...bodies]) {
          const { status, text } = await send(name, operation.method, url, body);
          expect(status, `${operation.method} ${url} ${JSON.stringify(body)} -> ${text.slice(0, 300)}`).toBeLessThan(500);
          sent++;
        }
      }
      expect(sent).toBeGreaterThan(20);
    });

    it(`${name}: no 5xx, and every refusal is a problem document`, async () => {
      const operations = await fuzzedOperations(services[name].baseUrl);
      expect(operations.length).toBeGreaterThan(0);
      for (const operation of operations) {
        await fc.assert(
          fc.asyncProperty(requestOf(operation), async ({ url, body }) => {
            const { status, contentType, text } = await send(name, operation.method, url, body);
            expect(status, `${operation.method} ${url} ${JSON.stringify(body)?.slice(0, 300)} -> ${text.slice(0, 300)}`).toBeLessThan(500);
            if (status >= 400) expect(contentType, `${operation.method} ${url}`).toContain('application/problem+json');
          }),
          { numRuns: RUNS_PER_OPERATION },
        );
      }
    });
  }

  interface WriteSeed {
    method: string;
    path: string;
    body: Json;
    authorization?: string;
    /** Where each request goes when every one needs a target of its own (a window to cancel or change once). */
    freshPath?: () => Promise<string>;
  }

  /** A valid write request of each kind each service takes, with what it needs made first. */
  async function writeSeeds(name: string): Promise<WriteSeed[]> {
    const window: Json = {
      title: 'Network host upgrade',
      ownerTeam: 'network-ops',
      footprint: { global: false, regions: ['DE', 'BR'] },
      startsAt: hoursFromNow(26),
      endsAt: hoursFromNow(27),
      plannedZone: 'Asia/Tehran',
      recurrence: 'FREQ=WEEKLY',
      exdates: [hoursFromNow(26 + 24 * 7)],
      priority: 'routine',
      surgePolicy: 'hold',
      flexibility: { earliestStartAt: hoursFromNow(20), deadlineAt: hoursFromNow(60) },
    };
    // Planned with an override, so that it goes in whether or not a hold already covers its regions.
    const planned = async (regions: string[]) => {
      const answer = await send('maintenance-planner', 'POST', '/v1/windows', { ...(window as Record<string, Json>), footprint: { global: false, regions }, override: { reason: 'planned into the hold' } });
      expect(answer.status, answer.text).toBe(201);
      return (JSON.parse(answer.text) as { windowId: string }).windowId;
    };
    const created = async (service: string, path: string, body: Json) => {
      const answer = await send(service, 'POST', path, body);
      expect(answer.status, answer.text).toBe(201);
      return (JSON.parse(answer.text) as { id: string }).id;
    };
    if (name === 'maintenance-planner') {
      await created(name, '/v1/holds', { regions: ['IS'], from: hoursFromNow(0), until: hoursFromNow(24 * 30), reason: 'Althing election' });
      const held = await planned(['IS']);
      const hold = await created(name, '/v1/holds', { regions: ['PT'], from: hoursFromNow(0), until: hoursFromNow(5), reason: 'to release' });
      return [
        { method: 'POST', path: '/v1/windows', body: window },
        { method: 'PATCH', path: '', freshPath: async () => `/v1/windows/${await planned(['NZ'])}`, body: { version: 1, title: 'Moved', footprint: { global: false, regions: ['BR'] }, startsAt: hoursFromNow(28), endsAt: hoursFromNow(29), plannedZone: 'Europe/Berlin', recurrence: 'FREQ=DAILY', exdates: [], flexibility: null } },
        { method: 'POST', path: '', freshPath: async () => `/v1/windows/${await planned(['NZ'])}/cancel`, body: { reason: 'not needed', version: 1 } },
        { method: 'POST', path: `/v1/windows/${held}/override`, body: { reason: 'cannot wait', occurrence: 1 } },
        { method: 'POST', path: '/v1/holds', body: { regions: ['PT', 'ES'], from: hoursFromNow(0), until: hoursFromNow(5), reason: 'Exams' } },
        { method: 'POST', path: `/v1/holds/${hold}/release`, body: { reason: 'done' } },
        { method: 'POST', path: '/v1/keys', body: { team: 'fuzz-team', scopes: ['read'], name: 'fuzzed' } },
        { method: 'POST', path: '/v1/dead-letters/replay', body: { topic: 'traffic.samples.v1', since: hoursFromNow(-24), until: hoursFromNow(1), reasonContains: 'unknown', limit: 10 } },
      ];
    }
    if (name === 'impact-analyzer') {
      const at = new Date().toISOString();
      const alert = { status: 'firing', labels: { alertname: 'RegionalSurge', region: 'JP' }, annotations: { summary: 'requests up' }, startsAt: at, endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus/graph', fingerprint: 'c0ffee' };
      const alertmanager = { version: '4', groupKey: '{}:{region="JP"}', truncatedAlerts: 0, status: 'firing', receiver: 'holdfast', groupLabels: { region: 'JP' }, commonLabels: { region: 'JP' }, commonAnnotations: {}, externalURL: 'http://alertmanager', alerts: [alert] };
      return [
        { method: 'POST', path: '/v1/samples', body: { samples: [{ region: 'IR', metric: 'requests', at, value: 100, source: 'fuzz' }, { region: 'DE', metric: 'requests', at, value: 50, source: 'fuzz' }] } },
        { method: 'POST', path: '/v1/declarations', body: { regions: ['IR'], from: hoursFromNow(24), until: hoursFromNow(48), reason: 'election in IR', severity: 'major' } },
        { method: 'POST', path: '/v1/alerts/alertmanager', authorization: `Bearer ${ALERT_BEARER}`, body: alertmanager },
        { method: 'POST', path: '/v1/alerts/grafana', authorization: `Bearer ${ALERT_BEARER}`, body: { ...alertmanager, version: '1', orgId: 1, title: 'RegionalSurge', state: 'alerting', message: 'requests up', alerts: [{ ...alert, values: { A: 5 }, silenceURL: 'http://grafana/silence', dashboardURL: '', panelURL: '' }] } },
        { method: 'POST', path: '/v1/dead-letters/replay', body: { topic: 'traffic.samples.v1', limit: 10 } },
      ];
    }
    const secret = (seed: string) => `whsec_${Buffer.from(seed.repeat(32).slice(0, 32)).toString('base64')}`;
    // Filters nothing in this run matches: a changed field sends no webhook anywhere.
    const subscription = { channel: 'webhook', target: 'http://127.0.0.1:9/hook', ownerTeam: 'us-ops', secret: secret('a'), description: 'fuzzed', enabled: true, filters: { eventTypes: ['window.cancelled'], regions: ['AQ'], teams: ['us-ops'], windowIds: [] } };
    // Each its own receiver: a second subscription sending the same events to the same one is refused (409 subscription-exists).
    const anotherReceiver = () => ({ ...subscription, target: `http://127.0.0.1:9/hook/${randomUUID()}` });
    const id = await created(name, '/v1/subscriptions', anotherReceiver());
    return [
      { method: 'POST', path: '/v1/subscriptions', body: anotherReceiver() },
      { method: 'PATCH', path: `/v1/subscriptions/${id}`, body: { target: 'http://127.0.0.1:9/other', ownerTeam: 'us-ops', secret: secret('b'), description: null, enabled: false, filters: { eventTypes: ['hold.released'], regions: ['AQ'], teams: [], windowIds: [] } } },
      { method: 'POST', path: '', freshPath: async () => `/v1/subscriptions/${await created(name, '/v1/subscriptions', anotherReceiver())}/secret/rotate`, body: { secret: secret('c'), overlapHours: 1 } },
      { method: 'POST', path: '/v1/dead-letters/replay', body: { everything: true, limit: 10 } },
    ];
  }

  // Sensible values for the parameters the services' documents name, so that one changed at a time gets past the others.
  const sensibleParameters = (ids: Record<string, string>): Record<string, string> => ({
    ...ids,
    n: '1',
    region: 'IR',
    regions: 'IR',
    team: 'network-ops',
    ownerTeam: 'us-ops',
    from: hoursFromNow(-24),
    to: hoursFromNow(48),
    since: hoursFromNow(-24),
    at: hoursFromNow(1),
    limit: '5',
    count: '2',
    metric: 'requests',
    topic: 'traffic.samples.v1',
  });
  const hostileParameters = [...hostileValues().filter((value) => typeof value === 'string' || typeof value === 'number').map(String), '2147483648', '1e3', '0x10', 'NaN', 'Infinity', '9'.repeat(400), 'IR,,DE'];
  // encodeURIComponent throws on half a surrogate pair: sent as the bytes a careless encoder would write.
  const pathSegment = (value: string) => (/\p{Cs}/u.test(value) ? '%ED%A0%80' : encodeURIComponent(value));
  const MUTATIONS_PER_SEED = 100;
  const MUTATIONS_PER_READ = 30;

  for (const name of ['maintenance-planner', 'impact-analyzer', 'notifier']) {
    it(`${name}: a valid request with one field made hostile never answers 5xx`, async () => {
      let sent = 0;
      for (const seed of await writeSeeds(name)) {
        const target = async () => (seed.freshPath ? seed.freshPath() : seed.path);
        const accepted = await send(name, seed.method, await target(), seed.body, seed.authorization);
        expect(accepted.status, `${seed.method} ${seed.path}, the valid request the changes start from: ${accepted.text.slice(0, 300)}`).toBeLessThan(300);
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...oneFieldChanged(seed.body)), async ({ where, body }) => {
            const path = await target();
            const { status, text } = await send(name, seed.method, path, body, seed.authorization);
            sent++;
            expect(status, `${seed.method} ${path} with ${where} -> ${text.slice(0, 300)}`).toBeLessThan(500);
            if (status >= 400) expect(JSON.parse(text)).toHaveProperty('status', status);
          }),
          { numRuns: MUTATIONS_PER_SEED },
        );
      }
      expect(sent).toBeGreaterThan(100);
    });

    it(`${name}: the same valid write sent twelve times at once never answers 5xx`, async () => {
      for (const seed of await writeSeeds(name)) {
        const path = seed.freshPath ? await seed.freshPath() : seed.path;
        const answers = await Promise.all(Array.from({ length: 12 }, () => send(name, seed.method, path, seed.body, seed.authorization)));
        for (const { status, text } of answers) expect(status, `${seed.method} ${path} twelve at once -> ${text.slice(0, 300)}`).toBeLessThan(500);
        // One of them at least did what it asked: the race did not turn every copy away.
        expect(answers.some(({ status }) => status < 300), `${seed.method} ${path}: ${answers.map(({ status }) => status).join(' ')}`).toBe(true);
      }
    });
  }

  it('every read, its parameters sensible but one made hostile, never answers 5xx', async () => {
    const windowId = (JSON.parse((await send('maintenance-planner', 'GET', '/v1/windows?limit=1', undefined)).text) as { items: { windowId: string }[] }).items[0]?.windowId;
    expect(windowId, 'a window planned by the tests above').toBeDefined();
    let sent = 0;
    for (const name of Object.keys(services)) {
      const sensible = sensibleParameters({ id: windowId, windowId, subject: windowId });
      for (const operation of (await fuzzedOperations(services[name].baseUrl)).filter((candidate) => candidate.method === 'GET')) {
        const parameters = operation.parameters.filter((parameter) => parameter.in !== 'header');
        if (parameters.length === 0) continue;
        const urlOf = (values: Record<string, string | undefined>) => {
          let url = operation.path;
          const search = new URLSearchParams();
          for (const { name: parameter, in: where } of parameters) {
            const value = values[parameter];
            if (where === 'path') url = url.replace(`{${parameter}}`, pathSegment(value ?? 'unknown'));
            else if (value !== undefined) search.set(parameter, value);
          }
          return `${url}${search.size ? `?${search}` : ''}`;
        };
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...parameters.map((parameter) => parameter.name)), fc.constantFrom(...hostileParameters), async (parameter, value) => {
            const url = urlOf({ ...sensible, [parameter]: value });
            const { status, text } = await send(name, 'GET', url, undefined);
            sent++;
            expect(status, `${name} GET ${url.slice(0, 300)} -> ${text.slice(0, 300)}`).toBeLessThan(500);
          }),
          { numRuns: MUTATIONS_PER_READ },
        );
      }
    }
    expect(sent).toBeGreaterThan(300);
  });
});
