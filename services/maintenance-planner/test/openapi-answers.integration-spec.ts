import { createEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger } from '@holdfast/messaging';
import {
  expectEventually,
  ManualClock,
  documentedBody,
  startServiceUnderTest,
  tamperedAnswers,
  undocumentedProblems,
  withRefsResolved,
  type DocumentedAnswers,
  type JsonSchema as DocumentedSchema,
  type ServiceUnderTest,
} from '@holdfast/testing';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plannerService } from '../src/app.module';

type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];
type Body = Record<string, unknown> & { items?: Record<string, unknown>[] };

const clock = new ManualClock('2026-06-14T20:00:00Z');

describe('maintenance-planner: every answer is the body its OpenAPI document gives for the route and status', () => {
  let service: ServiceUnderTest;
  let publisher: EventPublisher;
  let document: DocumentedAnswers;
  // Filled as the routes answer, for the last spec to tamper with.
  const answers: Record<string, { status: number; body: Body }> = {};

  /**
   * The body the served document gives for a route's answer with a status, read back into a Zod schema (the project has
   * no JSON Schema validator of its own): a field it does not declare is refused (additionalProperties: false), as is one it
   * requires and the answer lacks. The views it refers to by name (components/schemas) are read as the document defines them.
   */
  const documented = (method: string, route: string, status: number) => {
    const schema = documentedBody(document, method, route, status);
    expect(schema, `${method} ${route} documents no body for ${status}`).toBeDefined();
    return z.fromJSONSchema(schema as JsonSchema);
  };

  type CallOptions = { path?: Record<string, string | number>; query?: string; body?: unknown; headers?: Record<string, string> };

  /** Sends `route` with its {parameters} filled in; its answer, which must carry no ETag or Idempotent-Replayed its document leaves out. */
  const send = async (method: string, route: string, options: CallOptions = {}): Promise<{ path: string; response: Response; answer: Body }> => {
    const path = route.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(options.path?.[name])));
    const response = await service.fetch(`${path}${options.query ?? ''}`, {
      method,
      headers: { 'content-type': 'application/json', ...options.headers },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const answer = (await response.json()) as Body;
    const declared = (document.paths[route]?.[method.toLowerCase()]?.responses[String(response.status)] as { headers?: object } | undefined)?.headers ?? {};
    const undeclared = ['ETag', 'Idempotent-Replayed'].filter((header) => response.headers.has(header) && !Object.hasOwn(declared, header));
    expect(undeclared, `${method} ${route} ${response.status} sends headers its document does not declare`).toEqual([]);
    return { path, response, answer };
  };

  /** Calls `route`, expects `status`, and checks the answer against the document's body for both. */
  const call = async (method: string, route: string, status: number, options: CallOptions = {}): Promise<Body> => {
    const { path, response, answer } = await send(method, route, options);
    expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBe(status);
    const checked = documented(method, route, status).safeParse(answer);
    expect(checked.success ? '' : z.prettifyError(checked.error), `${method} ${path} answered what its document does not say`).toBe('');
    answers[`${method} ${route}`] = { status, body: answer };
    return answer;
  };

  /**
   * The schema the document gives a refusal's problem document with `code`: of the problems its status may answer (one, or
   * anyOf), the one whose code is `code`, its members gathered from ProblemDetails and its own (allOf).
   */
  const documentedProblem = (method: string, route: string, status: number, code: string) => {
    const content = document.paths[route]?.[method.toLowerCase()]?.responses[String(status)]?.content?.['application/problem+json'];
    const schema = withRefsResolved(document, content?.schema);
    const parts = (problem: DocumentedSchema) => [problem, ...((problem.allOf ?? []) as DocumentedSchema[])];
    const propertiesOf = (problem: DocumentedSchema) => Object.assign({}, ...parts(problem).map((part) => part.properties ?? {})) as Record<string, DocumentedSchema>;
    const problem = ((schema.anyOf ?? [schema]) as DocumentedSchema[]).find((branch) => propertiesOf(branch).code?.const === code);
    expect(problem, `${method} ${route} ${status} documents no schema of its own for ${code}`).toBeDefined();
    return { members: Object.keys(propertiesOf(problem!)), schema: z.fromJSONSchema(problem as JsonSchema) };
  };

  /** Calls `route`, expects the refusal `status` `code`, and checks its problem document against the document's schema for it: each member declared, each of its type. */
  const refused = async (method: string, route: string, status: number, code: string, options: CallOptions = {}): Promise<Body> => {
    const { path, response, answer } = await send(method, route, options);
    expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBe(status);
    expect(answer.code).toBe(code);
    const { members, schema } = documentedProblem(method, route, status, code);
    expect(Object.keys(answer).filter((member) => !members.includes(member)), `${method} ${route} ${status} ${code} answers members its document does not declare`).toEqual([]);
    const checked = schema.safeParse(answer);
    expect(checked.success ? '' : z.prettifyError(checked.error), `${method} ${path} answered what its document does not say`).toBe('');
    return answer;
  };

  const plan = (regions: string[], startsAt: string, endsAt: string) =>
    call('POST', '/v1/windows', 201, { body: { title: 'Core router firmware upgrade', ownerTeam: 'network-platform', footprint: { global: false, regions }, startsAt, endsAt, plannedZone: 'America/Los_Angeles' } });

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, {
      clock,
      environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0', HOLDFAST_CUSTOM_REGIONS: JSON.stringify([{ code: 'atlantic', name: 'Atlantic desks', zones: ['Europe/London', 'America/New_York'] }]) },
    });
    const { kafka } = service.config;
    publisher = new EventPublisher(createKafka(kafka, silentLogger), kafka);
    await publisher.connect();
    document = (await (await service.fetch('/docs-json')).json()) as DocumentedAnswers;
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
  });

  it('keys: made, listed, read and revoked as documented', async () => {
    const made = await call('POST', '/v1/keys', 201, { body: { team: 'network-platform', scopes: ['read', 'windows:write'], name: 'openapi answers' } });
    // Used once, so it has a last use to show.
    await expectEventually(async () => expect((await fetch(`${service.baseUrl}/v1/regions`, { headers: { authorization: `Bearer ${String(made.key)}` } })).status).toBe(200));
    await expectEventually(async () => expect((await call('GET', '/v1/keys/{keyId}', 200, { path: { keyId: String(made.keyId) } })).lastUsedAt).not.toBeNull());
    await call('GET', '/v1/keys', 200);
    expect(await call('POST', '/v1/keys/{keyId}/revoke', 200, { path: { keyId: String(made.keyId) }, body: { reason: 'made for the spec only' } })).toMatchObject({ revokedBy: expect.any(String) });
  });

  it('documents the ETag of a hold and a key, and the If-Match their release and revocation take, with its 412', () => {
    const operation = (path: string, method: string) => document.paths[path]?.[method] as unknown as { parameters?: { name: string; in: string }[]; responses: Record<string, { description: string; headers?: object }> };
    for (const [path, method, status] of [
      ['/v1/holds', 'post', '201'],
      ['/v1/holds/{id}', 'get', '200'],
      ['/v1/holds/{id}/release', 'post', '200'],
      ['/v1/keys', 'post', '201'],
      ['/v1/keys/{keyId}', 'get', '200'],
      ['/v1/keys/{keyId}/revoke', 'post', '200'],
    ]) {
      expect(operation(path, method).responses[status].headers, `${method} ${path}`).toHaveProperty('ETag');
    }
    for (const path of ['/v1/holds/{id}/release', '/v1/keys/{keyId}/revoke']) {
      expect(operation(path, 'post').parameters, path).toContainEqual(expect.objectContaining({ name: 'If-Match', in: 'header' }));
      expect(operation(path, 'post').responses['412'].description, path).toContain('precondition-failed');
    }
    expect(operation('/v1/holds/{id}/release', 'post').responses['409'].description).toContain('hold-released');
    // A page has no version: no ETag, and no If-Match to take.
    expect(operation('/v1/holds', 'get').responses['200'].headers).toBeUndefined();
  });

  it('names each refusal its routes give, with the problem document, in an OpenAPI 3.1 document', () => {
    const start = 'POST /v1/windows/{id}/occurrences/{n}/start';
    expect(
      undocumentedProblems(document, [
        `${start} 423 held`,
        `${start} 409 occurrence-not-startable`,
        `${start} 409 occurrence-not-due`,
        `${start} 409 idempotency-key-in-flight`,
        `${start} 503 surges-unheard`,
        'POST /v1/windows/{id}/occurrences/{n}/complete 409 occurrence-not-in-progress',
        'GET /v1/gate 422 unknown-region',
        'GET /v1/gate 422 gate-at-in-the-past',
        'GET /v1/gate 404 window-not-found',
        'GET /v1/windows 422 unknown-region',
        'GET /v1/holds 422 unknown-region',
        'POST /v1/holds 422 unknown-region',
        'POST /v1/holds 422 hold-in-the-past',
        'POST /v1/holds 422 idempotency-key-reused',
        'GET /v1/windows/{id}/suggestions 422 invalid-slot-search',
        'GET /v1/windows/{id}/suggestions 409 window-cancelled',
        'POST /v1/windows/{id}/override 409 window-cancelled',
        'POST /v1/windows/{id}/override 404 occurrence-not-found',
        'PATCH /v1/windows/{id} 403 missing-scope',
        'POST /v1/keys 409 answer-shown-once',
        'GET /v1/windows/{id} 503 dependency-unavailable',
      ]),
    ).toEqual([]);
    const held = document.paths['/v1/windows/{id}/occurrences/{n}/start']?.post.responses['423'] as { headers?: object } | undefined;
    expect(held?.headers).toHaveProperty('Retry-After');
    expect((document as DocumentedAnswers & { openapi: string }).openapi).toBe('3.1.0');
  });

  it('regions: the catalog, custom regions included, as documented', async () => {
    expect((await call('GET', '/v1/regions', 200)).items).toContainEqual(expect.objectContaining({ code: 'atlantic', kind: 'custom' }));
  });

  it("holds, a held window's runs, explanation and suggestions, and a run started and completed, as documented", async () => {
    const held = await plan(['IR'], '2026-06-14T22:00:00Z', '2026-06-14T23:00:00Z');
    const surgeId = uuidv7();
    await publisher.publish(
      createEvent(
        'surge.started',
        {
          surgeId,
          region: 'IR',
          metric: 'requests',
          source: 'detector',
          severity: 'major',
          startedAt: '2026-06-14T21:00:00Z',
          detectedAt: '2026-06-14T21:00:05Z',
          evidence: { observed: 5_000, baseline: 1_000, score: 5, samples: [{ at: '2026-06-14T21:00:00Z', value: 5_000 }] },
          reason: 'requests in IR surged',
        },
        { source: 'openapi-answers-spec', subject: 'IR' },
      ),
    );
    await expectEventually(async () => expect((await call('GET', '/v1/holds', 200)).items).toContainEqual(expect.objectContaining({ causeId: surgeId })));
    const declared = await call('POST', '/v1/holds', 201, { body: { regions: ['IR'], from: '2026-06-14T21:30:00Z', until: '2026-06-15T01:00:00Z', reason: 'Election night in IR' } });
    await call('POST', '/v1/windows/{id}/override', 200, { path: { id: String(held.id) }, body: { reason: 'the firmware fix cannot wait' } });
    expect(await call('GET', '/v1/holds/{id}', 200, { path: { id: String(declared.id) } })).toMatchObject({ overrideCount: 1, overrides: [expect.objectContaining({ windowId: held.id })] });
    const through = await call('POST', '/v1/windows', 201, {
      body: { title: 'Core router firmware upgrade', ownerTeam: 'network-platform', footprint: { global: false, regions: ['IR'] }, startsAt: '2026-06-14T22:00:00Z', endsAt: '2026-06-14T23:00:00Z', plannedZone: 'UTC', override: { reason: 'the firmware fix cannot wait' } },
    });
    expect(through.overridden).toContain(declared.id);

    const explanation = await call('GET', '/v1/windows/{id}/explanation', 200, { path: { id: String(held.id) } });
    expect(explanation.holds).toContainEqual(expect.objectContaining({ cause: expect.objectContaining({ kind: 'surge', evidence: expect.objectContaining({ observed: 5_000 }) }) }));
    await call('GET', '/v1/windows/{id}/suggestions', 200, { path: { id: String(held.id) }, query: '?count=2' });
    await call('GET', '/v1/windows/{id}/occurrences', 200, { path: { id: String(held.id) } });
    await call('POST', '/v1/holds/{id}/release', 200, { path: { id: String(declared.id) }, body: { reason: 'the count is over' } });

    const due = await plan(['US'], '2026-06-14T20:30:00Z', '2026-06-14T21:00:00Z');
    await call('POST', '/v1/windows/{id}/occurrences/{n}/start', 200, { path: { id: String(due.id), n: 1 } });
    clock.set('2026-06-14T20:45:00Z');
    expect(await call('POST', '/v1/windows/{id}/occurrences/{n}/complete', 200, { path: { id: String(due.id), n: 1 } })).toMatchObject({ status: 'completed' });
    await call('GET', '/v1/audit', 200, { query: '?limit=1000' });
  });

  it('a window read, changed and cancelled both ways, as documented, each answer with the ETag it sends', async () => {
    const planned = await plan(['NP'], '2026-06-16T04:00:00Z', '2026-06-16T05:00:00Z');
    const path = { id: String(planned.id) };
    await call('GET', '/v1/windows/{id}', 200, { path });
    const changed = await call('PATCH', '/v1/windows/{id}', 200, { path, body: { title: 'Core router firmware upgrade, second try' }, headers: { 'if-match': `"${String(planned.version)}"` } });
    await call('POST', '/v1/windows/{id}/cancel', 200, { path, body: { reason: 'the firmware was withdrawn' }, headers: { 'if-match': `"${String(changed.version)}"` } });
    const other = await plan(['NP'], '2026-06-17T04:00:00Z', '2026-06-17T05:00:00Z');
    await call('DELETE', '/v1/windows/{id}', 200, { path: { id: String(other.id) }, query: '?reason=planned%20twice' });
  });

  it('documents a POST answered again for its Idempotency-Key, and the Retry-After of its 409 in flight, on every route that takes one', async () => {
    const declaration = { regions: ['BT'], from: '2026-06-20T00:00:00Z', until: '2026-06-21T00:00:00Z', reason: 'National Day in BT' };
    const first = await call('POST', '/v1/holds', 201, { body: declaration, headers: { 'idempotency-key': 'openapi-answers-hold' } });
    const { response, answer } = await send('POST', '/v1/holds', { body: declaration, headers: { 'idempotency-key': 'openapi-answers-hold' } });
    expect(response.headers.get('idempotent-replayed')).toBe('true');
    expect(answer).toEqual(first);
    const keyed = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item ?? {}).flatMap(([method, operation]) => {
        const { parameters = [], responses } = operation as { parameters?: { name: string; in: string }[]; responses: Record<string, { headers?: object }> };
        return parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key') ? [{ name: `${method} ${path}`, responses }] : [];
      }),
    );
    expect(keyed.map(({ name }) => name)).toEqual(expect.arrayContaining(['post /v1/holds', 'post /v1/windows', 'post /v1/windows/{id}/occurrences/{n}/start']));
    for (const { name, responses } of keyed) {
      const success = Object.keys(responses).find((status) => status.startsWith('2'))!;
      expect(responses[success].headers, name).toHaveProperty('Idempotent-Replayed');
      expect(responses['409'].headers, name).toHaveProperty('Retry-After');
      // Neither is kept, so neither is given again.
      for (const status of ['401', '423', '503']) expect(responses[status]?.headers ?? {}, `${name} ${status}`).not.toHaveProperty('Idempotent-Replayed');
    }
  });

  it('documents the holds a 423 held and a 409 window-in-hold name, with their own schemas, as the planner answers them', async () => {
    clock.set('2026-06-14T21:00:00Z');
    const due = await plan(['BD'], '2026-06-14T21:30:00Z', '2026-06-14T22:00:00Z');
    const elsewhere = await plan(['LK'], '2026-06-14T23:00:00Z', '2026-06-15T00:00:00Z');
    const hold = await call('POST', '/v1/holds', 201, { body: { regions: ['BD'], from: '2026-06-14T21:00:00Z', until: '2026-06-15T03:00:00Z', reason: 'Election night in BD' } });

    const gate = await refused('GET', '/v1/gate', 423, 'held', { query: `?windowId=${String(due.id)}` });
    expect(gate).toMatchObject({ holdCount: 1, holds: [{ id: hold.id, regions: ['BD'], source: 'manual', until: '2026-06-15T03:00:00.000Z' }], retryAfterSeconds: expect.any(Number), at: expect.any(String) });
    await refused('GET', '/v1/gate', 423, 'held', { query: '?regions=BD' });
    expect((await refused('POST', '/v1/windows/{id}/occurrences/{n}/start', 423, 'held', { path: { id: String(due.id), n: 1 } })).holds).toEqual(gate.holds);

    const planned = await refused('POST', '/v1/windows', 409, 'window-in-hold', {
      body: { title: 'Core router firmware upgrade', ownerTeam: 'network-platform', footprint: { global: false, regions: ['BD'] }, startsAt: '2026-06-14T23:00:00Z', endsAt: '2026-06-15T00:00:00Z', plannedZone: 'Asia/Dhaka' },
    });
    expect(planned.holds).toEqual([{ id: hold.id, regions: ['BD'], reason: 'Election night in BD', from: '2026-06-14T21:00:00.000Z', until: '2026-06-15T03:00:00.000Z' }]);
    const moved = await refused('PATCH', '/v1/windows/{id}', 409, 'window-in-hold', { path: { id: String(elsewhere.id) }, body: { footprint: { global: false, regions: ['BD'] }, version: elsewhere.version } });
    expect(moved.holds).toEqual(planned.holds);

    // An override naming a run the window does not have.
    const overridden = await send('POST', '/v1/windows/{id}/override', { path: { id: String(due.id) }, body: { reason: 'the firmware fix cannot wait', occurrence: 99 } });
    expect([overridden.response.status, overridden.answer.code]).toEqual([404, 'occurrence-not-found']);
    // A window no hold stops, moved under the hold by a key without holds:override: the 403 names the hold as the 409 does.
    const exempt = await call('POST', '/v1/windows', 201, {
      body: { title: 'Certificate rotation', ownerTeam: 'network-platform', footprint: { global: false, regions: ['LK'] }, startsAt: '2026-06-15T01:00:00Z', endsAt: '2026-06-15T02:00:00Z', plannedZone: 'Asia/Colombo', surgePolicy: 'exempt' },
    });
    const writer = await call('POST', '/v1/keys', 201, { body: { team: 'network-platform', scopes: ['read', 'windows:write'], name: 'openapi answers: no overrides' } });
    const underHold = await refused('PATCH', '/v1/windows/{id}', 403, 'missing-scope', {
      path: { id: String(exempt.id) },
      body: { footprint: { global: false, regions: ['BD'] }, version: exempt.version },
      headers: { authorization: `Bearer ${String(writer.key)}` },
    });
    expect(underHold).toMatchObject({ requiredScope: 'holds:override', surgePolicy: 'exempt', holds: planned.holds });
    expect(documentedProblem('PATCH', '/v1/windows/{id}', 403, 'missing-scope').schema.safeParse({ ...underHold, holds: [{ ...(underHold.holds as object[])[0], undeclared: true }] }).success).toBe(false);

    // A hold's fields are the schema's, no more: one the planner grew would fail here, not in a generated client.
    const { schema } = documentedProblem('GET', '/v1/gate', 423, 'held');
    expect(schema.safeParse({ ...gate, holds: [{ ...(gate.holds as object[])[0], undeclared: true }] }).success).toBe(false);
    expect(documentedProblem('PATCH', '/v1/windows/{id}', 409, 'window-in-hold').schema.safeParse({ ...moved, holds: [{ ...(moved.holds as object[])[0], undeclared: true }] }).success).toBe(false);
    await call('POST', '/v1/holds/{id}/release', 200, { path: { id: String(hold.id) }, body: { reason: 'the count is over' } });
  });

  it('refuses an answer that grows a field the document does not declare, or lacks one it requires', () => {
    const routes = ['/v1/keys', '/v1/keys/{keyId}', '/v1/keys/{keyId}/revoke', '/v1/regions', '/v1/holds', '/v1/holds/{id}', '/v1/holds/{id}/release', '/v1/audit'];
    const windowRoutes = ['/occurrences', '/occurrences/{n}/start', '/occurrences/{n}/complete', '/explanation', '/suggestions'].map((route) => `/v1/windows/{id}${route}`);
    const taken = Object.keys(answers).map((route) => route.split(' ')[1]);
    expect(taken).toEqual(expect.arrayContaining([...routes, ...windowRoutes]));
    for (const [route, { status, body }] of Object.entries(answers)) {
      const [method, path] = route.split(' ');
      const schema = documented(method, path, status);
      for (const [change, tampered] of tamperedAnswers(body)) expect(schema.safeParse(tampered).success, `${route} ${change}`).toBe(false);
    }
  });
});
