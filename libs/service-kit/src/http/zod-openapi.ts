import { InstantSchema, OccurrenceSchema, RegionLocalTimeSchema, SlotSchema } from '@holdfast/contracts';
import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';

interface ObjectJsonSchema {
  properties?: Record<string, { description?: string }>;
  required?: string[];
}

/** The request body as the OpenAPI document shows it, from the Zod schema that validates it (one definition). */
export function ApiZodBody(schema: z.ZodType): MethodDecorator {
  return ApiBody({ schema: z.toJSONSchema(schema, { io: 'input' }) as object });
}

// Schemas of libs/contracts that many views hold (every instant, a window's runs and their local times), named in the
// answers' documents only: the events' own schemas, and the AsyncAPI document made from them, keep no id (an id would give
// each event payload $defs of its own).
const CONTRACT_NAMES = new Map<z.ZodType, string>([
  [InstantSchema, 'Instant'],
  [OccurrenceSchema, 'Occurrence'],
  [RegionLocalTimeSchema, 'RegionLocalTime'],
  [SlotSchema, 'Slot'],
]);

// What z.toJSONSchema reads of each schema of an answer: its metadata as the global registry holds it (descriptions, examples,
// the views' ids), and the name above for a schema of the contracts. zod's conversion reads only get() of a registry; were
// an upgrade to read more, shared-schemas.spec.ts would find the contracts' names gone.
const answerMetadata = z.registry<Record<string, unknown>>();
answerMetadata.get = ((schema: z.ZodType) => {
  const meta = z.globalRegistry.get(schema);
  const id = CONTRACT_NAMES.get(schema);
  return id ? { ...meta, id } : meta;
}) as typeof answerMetadata.get;

/**
 * An answer's body as the OpenAPI document shows it, from the Zod schema its view is typed against (one definition). A view
 * named with `.meta({ id: 'Window' })`, and every named schema inside it, is written once under components/schemas and
 * referred to (shareNamedSchemas), so the name is what a generated client calls the type: keep it once published.
 */
export function zodAnswerSchema(schema: z.ZodType): object {
  return z.toJSONSchema(schema, { io: 'output', metadata: answerMetadata }) as object;
}

/**
 * A page of a list as every list route answers it: its items, and the cursor of the next page (null on the last). Named
 * for its item (Hold's page is HoldPage), which must be named itself, so each list refers to one page schema.
 */
export function zodPageSchema(item: z.ZodType): object {
  const id = answerMetadata.get(item)?.id;
  if (typeof id !== 'string') throw new Error('A page schema is named for its item: name the item with .meta({ id }) first.');
  return zodAnswerSchema(z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id: `${id}Page` }));
}

/**
 * One query parameter per field of the Zod object that validates the query; a field with a default is optional. Its type,
 * bounds and choices come from the schema, so a generated client types them as the pipe reads them; `descriptions` words a
 * field whose schema carries no description of its own.
 */
export function ApiZodQuery(schema: z.ZodType, descriptions: Readonly<Record<string, string>> = {}): MethodDecorator {
  const json = z.toJSONSchema(schema, { io: 'input' }) as ObjectJsonSchema;
  return applyDecorators(
    ...Object.entries(json.properties ?? {}).map(([name, property]) => {
      const description = property.description ?? descriptions[name];
      return ApiQuery({ name, required: json.required?.includes(name) ?? false, schema: property, ...(description ? { description } : {}) });
    }),
  );
}
