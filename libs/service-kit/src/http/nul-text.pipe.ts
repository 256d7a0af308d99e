import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { DomainError } from '../errors/domain.error';
import { nulProblems } from './request-schema';

/**
 * Every service's query parameters and path segments, refused with a 400 naming them when their
 * text holds NUL (`%00`), which PostgreSQL cannot take even as a filter: a handler that reads a
 * plain string never sees one. Bodies are checked by their schema's pipe (parseRequest).
 */
export class NulTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'query' && metadata.type !== 'param') return value;
    const inPath = metadata.type === 'param';
    const errors = nulProblems(value, metadata.data ?? (inPath ? '(path)' : '(query)'));
    if (errors.length === 0) return value;
    throw new DomainError(inPath ? 'invalid-path' : 'invalid-query', 400, `${inPath ? 'The path' : 'The query'} is invalid: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
  }
}
