import { documentedBody, expectEventually, ManualClock, startServiceUnderTest, undocumentedProblems, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { analyzerService } from '../src/app.module';

interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
}
interface Operation {
  responses: Record<string, { description: string; content?: { 'application/json': { schema: JsonSchema } } }>;
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, JsonSchema> } };

const AM_TOKEN = 'am-openapi-spec-token-0123456789';

/** The fields a documented body schema names, and those it says are always there. */
const fieldsOf = (schema: JsonSchema | undefined) => ({ fields: Object.keys(schema?.properties ?? {}).sort(), required: [...(schema?.required ?? [])].sort() });

describe('impact-analyzer: the OpenAPI document says what each route answers, as the routes answer it', () => {
  let service: ServiceUnderTest;
  let document: Document;
  const clock = new ManualClock('2026-06-10T12:00:00Z');
  const send = (path: string, method: string, body: unknown, headers: Record<string, string> = {}) =>
    service.fetch(path, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const operation = (path: string, method: string): Operation => document.paths[path][method];
  // The shared views are referred to by name (components/schemas): read in place, as a client generated from the document reads them.
  const bodySchema = (path: string, method: string, status: string) => documentedBody(document, method, path, status) as JsonSchema | undefined;

  beforeAll(async () => {
    service = await startServiceUnderTest(analyzerService, { clock, environment: { ANALYZER_JOB_INTERVAL_MS: '600000', ALERT_SENDERS: JSON.stringify({ alertmanager: { bearer: AM_TOKEN } }) } });
    document = (await (await service.fetch('/docs-json')).json()) as Document;
  });

  afterAll(async () => {
    await service?.close();
  });

  it('lists the status of every answer a route gives, the key guard\'s and the shared HTTP layer\'s included', () => {
    const statuses = (path: string, method: string) => Object.keys(operation(path, method).responses).sort();
    // 401, 403 and 429 on every route that takes a key (and 503 on every route: PostgreSQL or Kafka away); 400 where it reads
    // parameters or a body; 413 and 415 where a body; 409 and 422 where it takes an Idempotency-Key (a POST with a key).
    const keyed = ['401', '403', '429', '503'];
    const idempotent = ['409', '422'];
    expect(statuses('/v1/samples', 'post')).toEqual(['202', '400', ...keyed, ...idempotent, '413', '415'].sort());
    expect(statuses('/v1/declarations', 'post')).toEqual(['201', '400', ...keyed, ...idempotent, '413', '415'].sort());
    expect(statuses('/v1/declarations', 'get')).toEqual(['200', '400', ...keyed].sort());
    expect(statuses('/v1/declarations/{id}', 'get')).toEqual(['200', '400', ...keyed, '404'].sort());
    expect(statuses('/v1/declarations/{id}', 'delete')).toEqual(['200', '400', ...keyed, '404', '409', '412'].sort());
    expect(statuses('/v1/surges', 'get')).toEqual(['200', '400', ...keyed, '422'].sort());
    expect(statuses('/v1/surges/{id}', 'get')).toEqual(['200', '400', ...keyed, '404'].sort());
    expect(statuses('/v1/surges/{id}/clear', 'post')).toEqual(['200', '400', ...keyed, ...idempotent, '404', '413', '415'].sort());
    expect(statuses('/v1/regions/{region}/baseline', 'get')).toEqual(['200', '400', ...keyed, '404'].sort());
    expect(statuses('/v1/regions/{region}/series/{metric}', 'delete')).toEqual(['200', '400', ...keyed, '404'].sort());
    // The alert webhooks take their senders' own credentials, not a key: no scope, no key's rate limit, but a limit on wrong credentials.
    for (const sender of ['alertmanager', 'grafana']) expect(statuses(`/v1/alerts/${sender}`, 'post')).toEqual(['200', '400', '401', '413', '415', '422', '429', '503']);
    expect(undocumentedProblems(document, ['POST /v1/samples 409 idempotency-key-in-flight', 'POST /v1/declarations 422 declaration-in-the-past', 'POST /v1/declarations 422 idempotency-key-reused', 'GET /v1/surges 503 dependency-unavailable', 'POST /v1/surges/{id}/clear 404 surge-not-found', 'POST /v1/surges/{id}/clear 409 surge-cleared', 'POST /v1/surges/{id}/clear 409 surge-of-declaration', 'POST /v1/surges/{id}/clear 409 surge-of-lost-signal'])).toEqual([]);
    expect(document.openapi).toBe('3.1.0');
    expect(operation('/v1/alerts/alertmanager', 'post').responses['429'].description).toContain('too-many-failed-authentications');
    expect(operation('/v1/declarations', 'get').responses['403'].description).toContain('missing-scope');
    expect(operation('/v1/declarations', 'get').responses['429'].description).toMatch(/rate-limited.*too-many-failed-authentications/);
    expect((operation('/v1/declarations', 'post').responses['201'] as { headers?: Record<string, unknown> }).headers).toHaveProperty('Location');
    // A declaration's version is its ETag on every answer that is the declaration, and a cancellation takes it back in If-Match.
    for (const [path, method, status] of [['/v1/declarations', 'post', '201'], ['/v1/declarations/{id}', 'get', '200'], ['/v1/declarations/{id}', 'delete', '200']]) {
      expect((operation(path, method).responses[status] as { headers?: Record<string, unknown> }).headers, `${method} ${path}`).toHaveProperty('ETag');
    }
    expect((operation('/v1/declarations/{id}', 'delete') as Operation & { parameters: { name: string; in: string; required: boolean }[] }).parameters).toContainEqual(expect.objectContaining({ name: 'If-Match', in: 'header', required: false }));
    expect(operation('/v1/declarations/{id}', 'delete').responses['412'].description).toContain('precondition-failed');
    // Each error is named by the problem code a caller reads.
    expect(operation('/v1/declarations', 'post').responses['422'].description).toMatch(/unknown-region.*declaration-in-the-past.*declaration-too-long/);
    expect(operation('/v1/declarations/{id}', 'delete').responses['409'].description).toContain('declaration-closed');
    expect(operation('/v1/samples', 'post').responses['413'].description).toContain('batch-too-large');
    expect(operation('/v1/regions/{region}/series/{metric}', 'delete').responses['404'].description).toMatch(/unknown-region.*series-not-found/);
    expect((operation('/v1/regions/{region}/series/{metric}', 'delete') as Operation & { parameters: { name: string; in: string; required: boolean }[] }).parameters).toContainEqual(expect.objectContaining({ name: 'reason', in: 'query', required: true }));
  });

  it('documents every error answer as the problem document the filter writes, from its one schema', async () => {
    const problemDocument = (await (await service.fetch('/v1/declarations/not-a-uuid')).json()) as Record<string, unknown>;
    const full = (await (await service.fetch('/docs-json')).json()) as { components: { schemas: Record<string, JsonSchema> } };
    const schema = full.components.schemas.ProblemDetails;
    expect(schema.required?.sort()).toEqual(['code', 'detail', 'instance', 'status', 'title', 'type']);
    expect(Object.keys(problemDocument).every((field) => field in schema.properties!)).toBe(true);
    // /health's (and /health/live's) 503 is its own report (terminus's), which says what is down.
    for (const [path, item] of Object.entries(document.paths).filter(([path]) => !path.startsWith('/health'))) {
      for (const [method, { responses }] of Object.entries(item)) {
        for (const [status, answer] of Object.entries(responses)) {
          if (Number(status) >= 400) expect((answer.content as Record<string, { schema: unknown }> | undefined)?.['application/problem+json']?.schema, `${method} ${path} ${status}`).toEqual({ $ref: '#/components/schemas/ProblemDetails' });
        }
      }
    }
  });

  it('documents the bodies the routes answer, field for field', async () => {
    const intake = await send('/v1/samples', 'POST', {
      samples: [
        { region: 'IR', metric: 'requests', at: '2026-06-10T11:55:00Z', value: 10, source: 'openapi-spec' },
        { region: 'ZZ', metric: 'requests', at: '2026-06-10T11:55:00Z', value: 10, source: 'openapi-spec' },
      ],
    });
    expect(intake.status).toBe(202);
    const accepted = (await intake.json()) as { refused: object[] };
    const intakeSchema = bodySchema('/v1/samples', 'post', '202');
    expect(fieldsOf(intakeSchema)).toEqual({ fields: Object.keys(accepted).sort(), required: Object.keys(accepted).sort() });
    expect(Object.keys(intakeSchema!.properties!.refused.items!.properties!).sort()).toEqual(Object.keys(accepted.refused[0]).sort());

    const declared = await send('/v1/declarations', 'POST', { regions: ['IR'], from: '2026-06-10T11:00:00Z', until: '2026-06-11T00:00:00Z', reason: 'Election in IR' });
    expect(declared.status).toBe(201);
    const declaration = (await declared.json()) as Record<string, unknown>;
    const declarationFields = { fields: Object.keys(declaration).sort(), required: Object.keys(declaration).sort() };
    expect(fieldsOf(bodySchema('/v1/declarations', 'post', '201'))).toEqual(declarationFields);
    expect(fieldsOf(bodySchema('/v1/declarations/{id}', 'get', '200'))).toEqual(declarationFields);
    expect(fieldsOf(bodySchema('/v1/declarations/{id}', 'delete', '200'))).toEqual(declarationFields);
    expect(fieldsOf(bodySchema('/v1/declarations', 'get', '200')?.properties?.items.items)).toEqual(declarationFields);
    // Written once, under its name, and referred to by every route that answers it.
    for (const [path, method, status] of [['/v1/declarations', 'post', '201'], ['/v1/declarations/{id}', 'get', '200'], ['/v1/declarations/{id}', 'delete', '200']]) {
      expect(operation(path, method).responses[status].content?.['application/json'].schema, `${method} ${path}`).toEqual({ $ref: '#/components/schemas/Declaration' });
    }
    expect(document.components.schemas).toHaveProperty('Declaration');

    const { items } = (await (await service.fetch('/v1/surges')).json()) as { items: Record<string, unknown>[] };
    const surgeFields = { fields: Object.keys(items[0]).sort(), required: Object.keys(items[0]).sort() };
    expect(fieldsOf(bodySchema('/v1/surges', 'get', '200'))).toEqual({ fields: ['items', 'nextCursor'], required: ['items', 'nextCursor'] });
    expect(fieldsOf(bodySchema('/v1/surges', 'get', '200')?.properties?.items.items)).toEqual(surgeFields);
    expect(fieldsOf(bodySchema('/v1/surges/{id}', 'get', '200'))).toEqual(surgeFields);

    const alerts = await send(
      '/v1/alerts/alertmanager',
      'POST',
      { version: '4', groupKey: '{}:{alertname="HighRPS"}', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'HighRPS', region: 'NP' }, startsAt: '2026-06-10T11:59:00Z', fingerprint: 'openapi1' }] },
      { authorization: `Bearer ${AM_TOKEN}` },
    );
    expect(alerts.status).toBe(200);
    const taken = (await alerts.json()) as { alerts: object[] };
    expect(fieldsOf(bodySchema('/v1/alerts/alertmanager', 'post', '200'))).toEqual({ fields: Object.keys(taken).sort(), required: Object.keys(taken).sort() });
    expect(Object.keys(bodySchema('/v1/alerts/grafana', 'post', '200')!.properties!.alerts.items!.properties!).sort()).toEqual(Object.keys(taken.alerts[0]).sort());

    const { surgeId } = taken.alerts[0] as { surgeId: string };
    const cleared = await send(`/v1/surges/${surgeId}/clear`, 'POST', { reason: 'its resolved was lost' });
    expect(cleared.status).toBe(200);
    expect(Object.keys((await cleared.json()) as object).sort()).toEqual(surgeFields.fields);
    expect(operation('/v1/surges/{id}/clear', 'post').responses['200'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Surge' });
  });
  it("documents a region's baseline as GET /v1/regions/{region}/baseline answers it", async () => {
    const sent = await send('/v1/samples', 'POST', { samples: [{ region: 'MT', metric: 'requests', at: '2026-06-10T11:55:00Z', value: 10, source: 'openapi-spec' }] });
    expect(sent.status).toBe(202);
    const answer = await expectEventually(async () => {
      const response = await service.fetch('/v1/regions/MT/baseline');
      expect(response.status).toBe(200);
      return (await response.json()) as { detection: Record<string, unknown>; metrics: Record<string, unknown>[] };
    });
    const documented = bodySchema('/v1/regions/{region}/baseline', 'get', '200');
    expect(documented, 'GET /v1/regions/{region}/baseline documents no body for 200').toBeDefined();
    const schema = z.fromJSONSchema(documented as Parameters<typeof z.fromJSONSchema>[0]);
    const checked = schema.safeParse(answer);
    expect(checked.success ? '' : z.prettifyError(checked.error)).toBe('');
    // Strict, so the document cannot fall behind the answer unnoticed: a field more, or a required one missing, is refused.
    expect(schema.safeParse({ ...answer, undeclared: true }).success).toBe(false);
    expect(schema.safeParse({ ...answer, metrics: [{ ...answer.metrics[0], undeclared: true }] }).success).toBe(false);
    const { sampleCounts: _counts, ...lacking } = answer.metrics[0];
    expect(schema.safeParse({ ...answer, metrics: [lacking] }).success).toBe(false);
    // The region's detection settings in force, each named as ANALYZER_DETECTION names it.
    expect(answer).toHaveProperty('detection.directions', ['up']);
    const { detection: _detection, ...undetected } = answer;
    expect(schema.safeParse(undetected).success).toBe(false);
  });
});
