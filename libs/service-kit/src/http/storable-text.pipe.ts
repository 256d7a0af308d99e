import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { invalidRequest, unstorableTextProblems } from './request-schema';

/**
 * Every service's query parameters and path segments, refused with a 400 naming them when their
 * text holds NUL (`%00`) or a lone surrogate, which PostgreSQL cannot take even as a filter: a handler that reads a
 * plain string never sees one. Bodies are checked by their schema's pipe (parseRequest).
 */
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'query' && metadata.type !== 'param') return value;
    const inPath = metadata.type === 'param';
    const errors = unstorableTextProblems(value, metadata.data ?? (inPath ? '(path)' : '(query)'));
    if (errors.length === 0) return value;
    throw invalidRequest(inPath ? 'invalid-path' : 'invalid-query', inPath ? 'The path' : 'The query', errors);
  }
}
