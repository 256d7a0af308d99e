import { describe, expect, it } from 'vitest';
import { DomainError } from '../errors/domain.error';
import { decodeCursor, encodeCursor, pageOf } from './list-page';

describe('list pages', () => {
  it('gives back the position a cursor was made from', () => {
    const at = new Date('2026-06-14T21:00:00.123Z');
    expect(decodeCursor(encodeCursor({ at, id: '0192f0c4-7a1e-7c3a-9a9e-1f5d2b3c4d5e' }), 'uuid')).toEqual({ at: at.toISOString(), id: '0192f0c4-7a1e-7c3a-9a9e-1f5d2b3c4d5e' });
    expect(decodeCursor(encodeCursor({ at, id: 42 }), 'serial')).toEqual({ at: at.toISOString(), id: '42' });
    expect(decodeCursor(encodeCursor({ at, id: '9223372036854775807' }), 'serial').id).toBe('9223372036854775807');
  });

  it('refuses a cursor it did not give out with a 400 naming the field, whatever its id would be cast to', () => {
    const refused = (cursor: string, shape: 'uuid' | 'serial') => {
      try {
        decodeCursor(cursor, shape);
      } catch (error) {
        return error instanceof DomainError ? { status: error.status, code: error.code } : error;
      }
      return 'accepted';
    };
    const at = new Date('2026-06-14T21:00:00Z');
    for (const [cursor, shape] of [
      ['not-a-cursor', 'uuid'],
      [encodeCursor({ at, id: 42 }), 'uuid'],
      [encodeCursor({ at, id: '0192f0c4-7a1e-7c3a-9a9e-1f5d2b3c4d5e' }), 'serial'],
      [encodeCursor({ at, id: '1; DROP TABLE audit_entry' }), 'serial'],
      [encodeCursor({ at, id: '99999999999999999999' }), 'serial'],
      [encodeCursor({ at, id: '9999999999999999999' }), 'serial'],
      [Buffer.from('1|42').toString('base64url'), 'serial'],
      [Buffer.from('-100000-01-01T00:00:00.000Z|42').toString('base64url'), 'serial'],
      [Buffer.from('0000-06-01T00:00:00.000Z|42').toString('base64url'), 'serial'],
      [Buffer.from('2026-06-14T21:00:00Z|42').toString('base64url'), 'serial'],
      [Buffer.from('yesterday|42').toString('base64url'), 'serial'],
      [Buffer.from(`${at.toISOString()}|42|7`).toString('base64url'), 'serial'],
    ] as const) {
      expect(refused(cursor, shape), cursor).toEqual({ status: 400, code: 'invalid-cursor' });
    }
  });

  it('cuts a page at its limit and says where the next begins, and that none follows the last', () => {
    const rows = [1, 2, 3].map((n) => ({ n, at: new Date(Date.UTC(2026, 5, n)) }));
    const first = pageOf(rows, 2, (row) => ({ at: row.at, id: row.n }), (row) => row.n);
    expect(first.items).toEqual([1, 2]);
    expect(decodeCursor(first.nextCursor!, 'serial')).toEqual({ at: '2026-06-02T00:00:00.000Z', id: '2' });
    expect(pageOf(rows.slice(2), 2, (row) => ({ at: row.at, id: row.n }), (row) => row.n)).toEqual({ items: [3], nextCursor: null });
    expect(pageOf([], 2, () => ({ at: new Date(), id: 1 }), (row) => row)).toEqual({ items: [], nextCursor: null });
  });
});
