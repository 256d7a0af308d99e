import type { OpenAPIObject } from '@nestjs/swagger';
import { describe, expect, it } from 'vitest';
import { nullableAsOpenApi31 } from './openapi-3-1';

const documentOf = (schema: object): OpenAPIObject => ({ openapi: '3.1.0', info: { title: 'spec', version: '1' }, paths: {}, components: { schemas: { Spec: schema } } });

describe('nullableAsOpenApi31', () => {
  it('says a 3.0 nullable schema with "null" among its types, or beside it in an anyOf', () => {
    const schema = {
      type: 'object',
      properties: {
        info: { type: 'object', nullable: true, additionalProperties: { type: 'string', nullable: false } },
        either: { type: ['string', 'integer'], nullable: true },
        named: { $ref: '#/components/schemas/Other', nullable: true },
      },
    };
    expect(nullableAsOpenApi31(documentOf(schema)).components!.schemas!.Spec).toEqual({
      type: 'object',
      properties: {
        info: { type: ['object', 'null'], additionalProperties: { type: 'string' } },
        either: { type: ['string', 'integer', 'null'] },
        named: { anyOf: [{ $ref: '#/components/schemas/Other' }, { type: 'null' }] },
      },
    });
  });

  it('keeps a property named nullable, and leaves the document given as it was', () => {
    const schema = { type: 'object', properties: { nullable: { type: 'boolean' } } };
    const document = documentOf(schema);
    expect(nullableAsOpenApi31(document).components!.schemas!.Spec).toEqual(schema);
    const withKeyword = documentOf({ type: 'string', nullable: true });
    nullableAsOpenApi31(withKeyword);
    expect(withKeyword.components!.schemas!.Spec).toEqual({ type: 'string', nullable: true });
  });
});
