import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * The OpenAPI version the documents declare: their schemas are JSON Schema 2020-12 as z.toJSONSchema writes them (type
 * "null", examples, const, propertyNames, a numeric exclusiveMinimum), which 3.0 does not know.
 */
export const OPENAPI_VERSION = '3.1.0';

/**
 * The document with every schema written for OpenAPI 3.0 said the 3.1 way. A library's (@nestjs/terminus's health
 * answers) say `nullable: true`, which 3.1 ignores, so a null they allow would be refused by a 3.1 reader: "null" goes
 * among its types instead (or beside it in an anyOf, for a schema with no type of its own). The document given is left as it was.
 */
export function nullableAsOpenApi31(document: OpenAPIObject): OpenAPIObject {
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (!value || typeof value !== 'object') return value;
    // Only the keyword, a boolean: a property named nullable (under properties) is kept.
    const { nullable, ...rest } = value as Record<string, unknown>;
    if (typeof nullable !== 'boolean') return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, rewrite(child)]));
    const schema = Object.fromEntries(Object.entries(rest).map(([key, child]) => [key, rewrite(child)]));
    if (!nullable) return schema;
    if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
    if (Array.isArray(schema.type)) return { ...schema, type: [...new Set([...(schema.type as string[]), 'null'])] };
    return { anyOf: [schema, { type: 'null' }] };
  };
  return rewrite(document) as OpenAPIObject;
}
