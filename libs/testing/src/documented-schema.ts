/** A JSON schema as an OpenAPI document holds it; `$ref` names one of the document's components/schemas. */
export type JsonSchema = { $ref?: string } & Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

/**
 * `schema` with every reference to the document's components/schemas written in place, so a spec reads a route's answer
 * field for field and z.fromJSONSchema (which resolves only its own $defs) can check an answer against it. The documents
 * refer to each shared view by name; a reference the document does not define, or one that holds itself, fails.
 */
export function withRefsResolved(document: { components?: { schemas?: Record<string, unknown> } }, schema: unknown, within: readonly string[] = []): JsonSchema {
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const { $ref, ...rest } = value as JsonSchema;
    if (typeof $ref === 'string' && $ref.startsWith(COMPONENTS)) {
      const name = $ref.slice(COMPONENTS.length);
      const named = document.components?.schemas?.[name];
      if (named === undefined) throw new Error(`${$ref} is not in the document's components/schemas`);
      if (within.includes(name)) throw new Error(`${name} refers to itself (${[...within, name].join(' -> ')}): it cannot be written in place`);
      return { ...withRefsResolved(document, named, [...within, name]), ...rest };
    }
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, resolve(child)]));
  };
  return resolve(schema) as JsonSchema;
}
