import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseRequest } from './request-schema';

/** A whole query read against a schema; a bad one becomes a 400 naming every wrong parameter, `what` naming the query. */
export class ZodQueryPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'The query',
  ) {}

  transform(value: unknown): z.output<S> {
    return parseRequest(this.schema, value, { code: 'invalid-query', what: this.what, root: '(query)' });
  }
}

/**
 * One query parameter or path segment read against a schema, refused with a 400 that names it
 * (Nest's ParseIntPipe and ParseEnumPipe say only "Validation failed (numeric string is expected)").
 */
export class ZodValuePipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.output<S> {
    const inPath = metadata.type === 'param';
    return parseRequest(this.schema, value, { code: inPath ? 'invalid-path' : 'invalid-query', what: inPath ? 'The path' : 'The query', root: metadata.data ?? '(value)' });
  }
}
