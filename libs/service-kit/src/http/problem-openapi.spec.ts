import type { OpenAPIObject } from '@nestjs/swagger';
import type { OperationObject, ResponseObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ANSWER_SHOWN_ONCE_EXTENSION } from './idempotency.interceptor';
import { describeProblems, problemSchema } from './problem-openapi';
import { shareNamedSchemas } from './shared-schemas';
import { zodAnswerSchema } from './zod-openapi';

const IDEMPOTENCY_KEY = { name: 'Idempotency-Key', in: 'header' as const, required: false, schema: { type: 'string' } };
const created = { '201': { description: 'made' } };

const described = (operations: Record<string, OperationObject>): Record<string, Record<string, ResponseObject>> => {
  const document: OpenAPIObject = { openapi: '3.1.0', info: { title: 'spec', version: '1' }, paths: Object.fromEntries(Object.entries(operations).map(([path, operation]) => [path, { post: operation }])) };
  describeProblems(document);
  return Object.fromEntries(Object.entries(document.paths).map(([path, item]) => [path, item.post!.responses as Record<string, ResponseObject>]));
};

describe('describeProblems', () => {
  it("names an Idempotency-Key's 409 and 422 on the routes that take one, beside a route's own", () => {
    const { '/plain': plain, '/keyed': keyed, '/own': own } = described({
      '/plain': { responses: { ...created } },
      '/keyed': { parameters: [IDEMPOTENCY_KEY], responses: { ...created } },
      '/own': { parameters: [IDEMPOTENCY_KEY], responses: { ...created, '409': { description: 'window-in-hold' }, '422': { description: 'window-in-past' } } },
    });
    expect(Object.keys(plain)).not.toContain('409');
    expect(keyed['409'].description).toMatch(/^idempotency-key-in-flight/);
    expect(keyed['422'].description).toMatch(/^idempotency-key-reused/);
    expect(own['409'].description).toMatch(/^window-in-hold; or idempotency-key-in-flight/);
    expect(own['422'].description).toMatch(/^window-in-past; or idempotency-key-reused/);
    expect(own['409'].content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } });
  });

  it('names the 503 of a dependency away on every route, with Retry-After, and keeps a route\'s own', () => {
    const { '/plain': plain, '/gate': gate } = described({ '/plain': { responses: { ...created } }, '/gate': { responses: { ...created, '503': { description: 'surges-unheard' } } } });
    expect(plain['503']).toMatchObject({ description: expect.stringMatching(/^dependency-unavailable/), headers: { 'Retry-After': expect.any(Object) } });
    expect(gate['503'].description).toBe('surges-unheard');
  });

  it('names the 409 a repeat gets when the first answer held a secret shown only once, and drops the mark', () => {
    const operation = { parameters: [IDEMPOTENCY_KEY], responses: { ...created }, [ANSWER_SHOWN_ONCE_EXTENSION]: 'find the key in GET /v1/keys' } as OperationObject;
    const { '/keys': keys } = described({ '/keys': operation });
    expect(keys['409'].description).toContain('idempotency-key-in-flight');
    expect(keys['409'].description).toContain('answer-shown-once: the request was sent again with the same Idempotency-Key, and its first answer held a secret shown only once: find the key in GET /v1/keys');
    expect(operation).not.toHaveProperty(ANSWER_SHOWN_ONCE_EXTENSION);
  });

  it('names Idempotent-Replayed on every answer a key keeps and gives again, and Retry-After on its 409, on the routes that take one only', () => {
    const { '/plain': plain, '/keyed': keyed, '/own': own } = described({
      '/plain': { responses: { '201': { description: 'made' } } },
      '/keyed': { parameters: [IDEMPOTENCY_KEY], responses: { '201': { description: 'made' }, '404': { description: 'thing-not-found' }, '423': { description: 'held' } } },
      '/own': { parameters: [IDEMPOTENCY_KEY], responses: { '201': { description: 'made', headers: { Location: { description: 'where' } } }, '409': { description: 'window-in-hold' } } },
    });
    expect(plain['201'].headers).toBeUndefined();
    for (const status of ['201', '404', '422']) expect(keyed[status].headers, status).toHaveProperty('Idempotent-Replayed');
    // Refusals for the key's standing or the state things are in, and the service's failures, are handled again, never given again.
    for (const status of ['401', '403', '409', '423', '429', '503']) expect(keyed[status].headers ?? {}, status).not.toHaveProperty('Idempotent-Replayed');
    expect(keyed['409'].headers).toHaveProperty('Retry-After');
    expect(Object.keys(own['201'].headers ?? {})).toEqual(['Location', 'Idempotent-Replayed']);
    expect(own['409'].headers).toHaveProperty('Retry-After');
  });

  it("names a problem with members of its own, written as ProblemDetails and those members, so a client reads them", () => {
    const Held = problemSchema('SpecHeldProblem', { code: z.literal('held'), holdCount: z.int().min(1) }, 'held: the holds named');
    const document: OpenAPIObject = {
      openapi: '3.1.0',
      info: { title: 'spec', version: '1' },
      paths: { '/gate': { get: { responses: { '200': { description: 'go' }, '423': { description: 'held', content: { 'application/problem+json': { schema: zodAnswerSchema(Held) } } } } } } },
    };
    describeProblems(document);
    const shared = shareNamedSchemas(document);
    const held = shared.paths['/gate'].get!.responses['423'] as ResponseObject;
    expect(held.content).toEqual({ 'application/problem+json': { schema: { $ref: '#/components/schemas/SpecHeldProblem' } } });
    expect(shared.components!.schemas!.SpecHeldProblem).toEqual({
      description: 'held: the holds named',
      allOf: [
        { $ref: '#/components/schemas/ProblemDetails' },
        expect.objectContaining({ properties: { code: expect.objectContaining({ const: 'held' }), holdCount: expect.objectContaining({ type: 'integer' }) }, required: ['code', 'holdCount'] }),
      ],
    });
    expect(shared.components!.schemas!.ProblemDetails).toMatchObject({ properties: { type: expect.any(Object), code: expect.any(Object), errors: expect.any(Object) } });
  });
});
