import { isAfterYearZero } from '@holdfast/contracts';
import { z } from 'zod';
import { DomainError } from '../errors/domain.error';

/**
 * Where a page of a list ordered by (instant, id) ends. Keyset paging rather than offsets: rows
 * written while a caller pages (an audit trail grows by the second) neither repeat nor go missing,
 * and rows sharing an instant (a hold's audit rows share its transaction's) are told apart by id.
 * The instant is kept to the millisecond, as most rows' times are written from JavaScript Dates; a
 * list stamped by PostgreSQL to the microsecond (dead letters) carries the exact time in its own key.
 */
export interface PagePosition {
  at: Date;
  id: string | number;
}

/** A list's page size: at most `max`, `fallback` when the caller names none. */
export const PageLimitSchema = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/**
 * A list query's `from` and `to` (instants), refused when `to` is before `from`: the range holds
 * nothing, and the empty page it gave read as "there are none".
 */
export function rangeInOrder(query: { from?: string; to?: string }, context: z.RefinementCtx): void {
  if (query.from === undefined || query.to === undefined || Date.parse(query.to) >= Date.parse(query.from)) return;
  context.addIssue({ code: 'custom', path: ['to'], message: `must not be before from (${query.from})`, input: query.to });
}

/** What every list takes to resume: the nextCursor a previous page gave. */
export const CursorSchema = z.string().max(2048, { error: 'must be a nextCursor from a previous page' }).optional();

const BIGINT_MAX = 9_223_372_036_854_775_807n;
const ID_SHAPES = {
  uuid: (id: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id),
  serial: (id: string) => /^[1-9]\d{0,18}$/.test(id) && BigInt(id) <= BIGINT_MAX,
} as const;

// Only what encodeCursor writes: Date.parse also takes forms ("1", year -100000, year 0000) PostgreSQL refuses.
const isCursorInstant = (at: string): boolean => /^\d{4}-/.test(at) && isAfterYearZero(at) && Number.isFinite(Date.parse(at)) && new Date(at).toISOString() === at;

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(`${position.at.toISOString()}|${position.id}`).toString('base64url');
}

/**
 * The position a cursor names; one this API did not give out is a 400, never a query that fails.
 * The id is a uuid, a bigserial, or a list's own key (which must not hold "|"), read by `idOf`
 * into what the list's query takes, null when it is not one.
 */
export function decodeCursor(cursor: string, idShape: keyof typeof ID_SHAPES): { at: string; id: string };
export function decodeCursor<Id>(cursor: string, idOf: (id: string) => Id | null): { at: string; id: Id };
export function decodeCursor<Id>(cursor: string, idShape: keyof typeof ID_SHAPES | ((id: string) => Id | null)): { at: string; id: Id | string } {
  const [at, text, ...rest] = Buffer.from(cursor, 'base64url').toString().split('|');
  const id = rest.length > 0 || !at || !text || !isCursorInstant(at) ? null : typeof idShape === 'function' ? idShape(text) : ID_SHAPES[idShape](text) ? text : null;
  if (id === null) throw cursorNotGivenOut();
  return { at, id };
}

/** The refusal of a cursor this API did not give out. */
export const cursorNotGivenOut = (): DomainError =>
  new DomainError('invalid-cursor', 400, 'The cursor is not one this API gave out: start again without it.', { errors: [{ path: 'cursor', message: 'not a cursor from a previous page' }] });

/** A page from rows read with LIMIT limit + 1: the extra row only says that another page follows. */
export function pageOf<Row, Item>(rows: readonly Row[], limit: number, positionOf: (row: Row) => PagePosition, view: (row: Row) => Item): { items: Item[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { items: page.map(view), nextCursor: rows.length > limit && page.length > 0 ? encodeCursor(positionOf(page[page.length - 1])) : null };
}
