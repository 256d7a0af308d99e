import { isDeepStrictEqual } from 'node:util';
import type { OpenAPIObject } from '@nestjs/swagger';

const DEFS = '#/$defs/';
const COMPONENTS = '#/components/schemas/';

/**
 * The document with every schema named by `.meta({ id })` written once, under components/schemas, and referred to by $ref.
 * z.toJSONSchema puts a named schema in the $defs of each answer that holds it (`#/$defs/Window`), so each route carried its
 * own full copy; they are gathered here, per document, so a service documents only the names its own routes use. Two
 * different schemas under one name fail the boot: a client would be generated from whichever came last. The $schema
 * dialect each conversion adds is dropped, as OpenAPI gives it for the whole document. The document Nest built is left
 * as it was (its schema objects are the decorators', shared by every document made in the process).
 */
export function shareNamedSchemas(document: OpenAPIObject): OpenAPIObject {
  const shared = new Map<string, unknown>();
  const name = (id: string, schema: unknown) => {
    if (shared.has(id) && !isDeepStrictEqual(shared.get(id), schema)) throw new Error(`Two different schemas are named ${id} in the OpenAPI document "${document.info.title}": give one of them another id.`);
    shared.set(id, schema);
  };
  const lift = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(lift);
    if (!value || typeof value !== 'object') return value;
    const { $defs, $schema: _dialect, ...rest } = value as Record<string, unknown>;
    for (const [id, schema] of Object.entries(($defs ?? {}) as Record<string, unknown>)) name(id, lift(schema));
    return Object.fromEntries(
      Object.entries(rest).map(([key, child]) => [key, key === '$ref' && typeof child === 'string' && child.startsWith(DEFS) ? `${COMPONENTS}${child.slice(DEFS.length)}` : lift(child)]),
    );
  };
  const lifted = lift(document) as OpenAPIObject;
  const schemas = { ...lifted.components?.schemas, ...Object.fromEntries(shared) } as NonNullable<OpenAPIObject['components']>['schemas'];
  return { ...lifted, components: { ...lifted.components, schemas } };
}
