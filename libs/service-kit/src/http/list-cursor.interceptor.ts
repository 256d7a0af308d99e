import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import { map, type Observable } from 'rxjs';
import { DomainError } from '../errors/domain.error';
import { cursorNotGivenOut } from './list-page';

// A page's size is the caller's to change between pages; the cursor itself is what is being checked.
const UNSCOPED = new Set(['cursor', 'limit']);
const SEPARATOR = '.';

/**
 * The list a request asks for: its path (a window's runs are another list than the next window's)
 * and every query parameter but the cursor and the page size, in one order, as sent.
 */
export function listScope(originalUrl: string): string {
  const url = new URL(originalUrl, 'http://holdfast.invalid');
  const parameters = [...url.searchParams].filter(([name]) => !UNSCOPED.has(name)).sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : x > y ? 1 : 0) : a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify([url.pathname, parameters])).digest('base64url').slice(0, 11);
}

const foreignCursor = (): DomainError =>
  new DomainError(
    'invalid-cursor',
    400,
    'The cursor was given out for another list or other filters: send it with the path and query of the page that gave it (only limit may change), or start again without it.',
    { errors: [{ path: 'cursor', message: 'not a cursor of this list and query' }] },
  );

/**
 * Ties each nextCursor to the list and query that gave it. A cursor is a position in an order (an
 * instant and an id) that reads the same under any filters, so one from `?region=IR` sent with
 * `?region=NP` began NP's list part-way and left rows out without a word. Each nextCursor now
 * starts with a digest of its list's scope (listScope); a cursor sent with another scope is a 400
 * invalid-cursor, and the one sent with its own reaches the list with the digest taken off.
 */
@Injectable()
export class ListCursorInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    const query = request.query as Record<string, unknown> | undefined;
    if (request.method !== 'GET' || !query) return next.handle();
    // Worked out only for a page that names a cursor or gives one: the gate and every read by id never do.
    let scope: string | undefined;
    const scopeOf = () => (scope ??= listScope(request.originalUrl));
    if (typeof query.cursor === 'string') {
      const at = query.cursor.indexOf(SEPARATOR);
      if (at < 0) throw cursorNotGivenOut();
      if (query.cursor.slice(0, at) !== scopeOf()) throw foreignCursor();
      // Express 5 parses req.query again on every read: the list's own reading is set in its place.
      Object.defineProperty(request, 'query', { value: { ...query, cursor: query.cursor.slice(at + SEPARATOR.length) }, configurable: true, enumerable: true, writable: true });
    }
    return next.handle().pipe(
      map((body: unknown) => {
        if (body === null || typeof body !== 'object' || !('nextCursor' in body) || typeof body.nextCursor !== 'string') return body;
        return { ...body, nextCursor: `${scopeOf()}${SEPARATOR}${body.nextCursor}` };
      }),
    );
  }
}
