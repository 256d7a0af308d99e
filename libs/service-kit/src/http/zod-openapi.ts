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

/** An answer's body as the OpenAPI document shows it, from the Zod schema its view is typed against (one definition). */
export function zodAnswerSchema(schema: z.ZodType): object {
  return z.toJSONSchema(schema, { io: 'output' }) as object;
}

/** A page of a list as every list route answers it: its items, and the cursor of the next page (null on the last). */
export function zodPageSchema(item: z.ZodType): object {
  return zodAnswerSchema(z.strictObject({ items: z.array(item), nextCursor: z.string().nullable() }));
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
