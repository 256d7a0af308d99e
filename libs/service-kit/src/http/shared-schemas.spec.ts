import { InstantSchema } from '@holdfast/contracts';
import type { OpenAPIObject } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { shareNamedSchemas } from './shared-schemas';
import { zodAnswerSchema, zodPageSchema } from './zod-openapi';

const Run = z.strictObject({ number: z.int().min(1) }).meta({ id: 'SpecRun' });
const Window = z.strictObject({ id: z.uuid(), nextRun: Run.nullable(), runs: z.array(Run) }).meta({ id: 'SpecWindow' });

const answering = (...schemas: object[]): OpenAPIObject => ({
  openapi: '3.0.0',
  info: { title: 'spec', version: '1' },
  paths: Object.fromEntries(schemas.map((schema, index) => [`/route-${index}`, { get: { responses: { '200': { description: 'it', content: { 'application/json': { schema } } } } } }])),
  components: { schemas: { ProblemDetails: { type: 'object' } } },
});
const schemaOf = (document: OpenAPIObject, index: number) => (document.paths[`/route-${index}`].get!.responses['200'] as { content: Record<string, { schema: unknown }> }).content['application/json'].schema;

describe('shareNamedSchemas', () => {
  it('writes each named schema once under components/schemas, and refers to it from every answer that holds it', () => {
    const shared = shareNamedSchemas(answering(zodAnswerSchema(Window), zodAnswerSchema(Window), zodPageSchema(Window), zodAnswerSchema(Run)));
    expect(schemaOf(shared, 0)).toEqual({ $ref: '#/components/schemas/SpecWindow' });
    expect(schemaOf(shared, 1)).toEqual({ $ref: '#/components/schemas/SpecWindow' });
    expect(schemaOf(shared, 2)).toEqual({ $ref: '#/components/schemas/SpecWindowPage' });
    expect(schemaOf(shared, 3)).toEqual({ $ref: '#/components/schemas/SpecRun' });
    expect(Object.keys(shared.components!.schemas!).sort()).toEqual(['ProblemDetails', 'SpecRun', 'SpecWindow', 'SpecWindowPage']);
    expect(shared.components!.schemas!.SpecWindow).toMatchObject({
      properties: { nextRun: { anyOf: [{ $ref: '#/components/schemas/SpecRun' }, { type: 'null' }] }, runs: { items: { $ref: '#/components/schemas/SpecRun' } } },
    });
    expect(shared.components!.schemas!.SpecWindowPage).toMatchObject({ properties: { items: { items: { $ref: '#/components/schemas/SpecWindow' } } }, required: ['items', 'nextCursor'] });
    // Nothing of the conversions' own layout is left: no $defs to refer into, no dialect beside a $ref.
    expect(JSON.stringify(shared)).not.toMatch(/\$defs|\$schema/);
  });

  it('leaves the document it was given as it was, so a second document made in the process is shared alike', () => {
    const document = answering(zodAnswerSchema(Window));
    const before = structuredClone(document);
    const first = shareNamedSchemas(document);
    expect(document).toEqual(before);
    expect(shareNamedSchemas(document)).toEqual(first);
  });

  it('refuses two different schemas under one name, which a client would otherwise take for one', () => {
    const Other = z.strictObject({ id: z.string() }).meta({ id: 'SpecWindow' });
    expect(() => shareNamedSchemas(answering(zodAnswerSchema(Window), zodAnswerSchema(Other)))).toThrow('Two different schemas are named SpecWindow in the OpenAPI document "spec"');
  });

  it("writes a contract's instant once in the answers, and leaves the contract's own schema unnamed", () => {
    const Key = z.strictObject({ createdAt: InstantSchema, revokedAt: InstantSchema.nullable() }).meta({ id: 'SpecKey' });
    const shared = shareNamedSchemas(answering(zodAnswerSchema(Key)));
    expect(shared.components!.schemas!.SpecKey).toMatchObject({
      properties: { createdAt: { $ref: '#/components/schemas/Instant' }, revokedAt: { anyOf: [{ $ref: '#/components/schemas/Instant' }, { type: 'null' }] } },
    });
    expect(shared.components!.schemas!.Instant).toMatchObject({ type: 'string', format: 'date-time', description: 'ISO-8601 instant in UTC (trailing Z).' });
    // What the AsyncAPI document and the request bodies read of it: written in place, as before.
    expect(z.toJSONSchema(z.strictObject({ at: InstantSchema }))).not.toHaveProperty('$defs');
  });

  it('names a page for its item, and refuses a page of an unnamed item', () => {
    expect(() => zodPageSchema(z.strictObject({ id: z.string() }))).toThrow('name the item with .meta({ id }) first');
  });
});
