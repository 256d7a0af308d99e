import { createTestDatabase, expectEventually, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServices, freePort, startService, type RunningService } from '../scripts/system/system-runner.mjs';

const ADMIN_KEY = `e2e-admin-${randomBytes(24).toString('base64url')}`;
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

  // Each was a 500 once: sent in every query parameter and every body field of every operation, not left to the draw above.
  const ONCE_FATAL = ['0000-06-01T00:00:00Z', '\ud800', '\u0000'];

  for (const name of ['maintenance-planner', 'impact-analyzer', 'notifier']) {
    it(`${name}: no 5xx for a value that once was one, in any query parameter or body field`, async () => {
      const { baseUrl } = services[name];
      let sent = 0;
      for (const operation of await fuzzedOperations(baseUrl)) {
        const path = operation.path.replace(/\{[^}]+\}/g, '0190a7d2-0000-7000-8000-000000000000');
        const queries = operation.parameters.filter((parameter) => parameter.in === 'query').flatMap((parameter) => ONCE_FATAL.map((value) => ({ url: `${path}?${new URLSearchParams({ [parameter.name]: value })}`, body: undefined as unknown })));
        const bodies = operation.bodyProperties.flatMap((property) => ONCE_FATAL.map((value) => ({ url: path, body: { [property]: value } as unknown })));
        for (const { url, body } of [...queries, ...bodies]) {
          const response = await fetch(`${baseUrl}${url}`, {
            method: operation.method,
            headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
          expect(response.status, `${operation.method} ${url} ${JSON.stringify(body)} -> ${(await response.text()).slice(0, 300)}`).toBeLessThan(500);
          sent++;
        }
      }
      expect(sent).toBeGreaterThan(20);
    });

    it(`${name}: no 5xx, and every refusal is a problem document`, async () => {
      const { baseUrl } = services[name];
      const operations = await fuzzedOperations(baseUrl);
      expect(operations.length).toBeGreaterThan(0);
      for (const operation of operations) {
        await fc.assert(
          fc.asyncProperty(requestOf(operation), async ({ url, body }) => {
            const response = await fetch(`${baseUrl}${url}`, {
              method: operation.method,
              headers: { authorization: `Bearer ${ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            const text = await response.text();
            expect(response.status, `${operation.method} ${url} ${JSON.stringify(body)?.slice(0, 300)} -> ${text.slice(0, 300)}`).toBeLessThan(500);
            if (response.status >= 400) expect(response.headers.get('content-type'), `${operation.method} ${url}`).toContain('application/problem+json');
          }),
          { numRuns: RUNS_PER_OPERATION },
        );
      }
    });
  }
});
