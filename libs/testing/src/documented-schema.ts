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

/** An OpenAPI document as far as a spec reads the answers it gives. */
export interface DocumentedAnswers {
  paths: Record<string, Record<string, { responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> } | undefined> }> | undefined>;
  components?: { schemas?: Record<string, unknown> };
}

/** The JSON body the document gives for a route's answer with a status, its named views written in place; undefined when it gives none. */
export function documentedBody(document: DocumentedAnswers, method: string, route: string, status: number | string): JsonSchema | undefined {
  const schema = document.paths[route]?.[method.toLowerCase()]?.responses[String(status)]?.content?.['application/json']?.schema;
  return schema === undefined ? undefined : withRefsResolved(document, schema);
}

/**
 * Of the refusals `expected`, each a route, a status and the code it gives ('POST /v1/holds 422 hold-in-the-past'), those
 * the document does not name: the route without the status, the status without the problem document's schema, or its
 * description without the code (a shared status, such as an Idempotency-Key's 409, does not stand for a route's own).
 */
export function undocumentedProblems(document: DocumentedAnswers, expected: readonly string[]): string[] {
  return expected.filter((refusal) => {
    const [method, route, status, code] = refusal.split(' ');
    const answer = document.paths[route]?.[method.toLowerCase()]?.responses[status];
    return !answer?.content?.['application/problem+json'] || !answer.description?.includes(code);
  });
}

/**
 * An answer changed in the ways a closed schema (additionalProperties: false, its fields required) must refuse: a field
 * more, its first field gone, and, for a page, a field more in its first item. Each with what a failure message calls it.
 */
export function tamperedAnswers(body: Record<string, unknown> & { items?: unknown }): [string, unknown][] {
  const { [Object.keys(body)[0]]: _first, ...lacking } = body;
  const item = Array.isArray(body.items) ? (body.items[0] as Record<string, unknown> | undefined) : undefined;
  return [
    ['with a field more', { ...body, undeclared: true }],
    ['without its first field', lacking],
    ...(item ? [["with an item's field more", { ...body, items: [{ ...item, undeclared: true }] }] as [string, unknown]] : []),
  ];
}
