import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { DomainError } from '../errors/domain.error';
import { parseRequest, type RequestPart } from './request-schema';

/** Validates a request body against a contract schema; a bad body becomes a 400 naming every wrong field. */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly options: Pick<RequestPart, 'textCheckedByHandler'> = {},
  ) {}

  transform(value: unknown): z.infer<S> {
    // No body at all: one in another content type was refused with a 415 before the route (createServiceApp).
    if (value === undefined) throw new DomainError('missing-body', 400, 'The request has no JSON body: send one with content-type: application/json.');
    return parseRequest(this.schema, value, { code: 'invalid-body', what: 'The request body', root: '(body)', ...this.options });
  }
}
