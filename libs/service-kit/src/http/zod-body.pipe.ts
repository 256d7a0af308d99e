import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseRequest } from './request-schema';

/** Validates a request body against a contract schema; a bad body becomes a 400 naming every wrong field. */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    return parseRequest(this.schema, value, { code: 'invalid-body', what: 'The request body', root: '(body)' });
  }
}
