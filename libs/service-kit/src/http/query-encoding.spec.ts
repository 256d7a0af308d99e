import { describe, expect, it } from 'vitest';
import { malformedQueryEncoding } from './query-encoding';

describe('malformedQueryEncoding', () => {
  it('lets well-formed query strings through, escapes, plus signs, bare names and empty pairs included', () => {
    for (const url of ['/v1/windows', '/v1/windows?', '/v1/windows?team=core&status=held', '/v1/windows?reason=not%20needed+now', '/v1/holds?region=%C3%85', '/v1/x?flag&&a=', '/v1/x?a=b=c']) {
      expect(malformedQueryEncoding(url), url).toBeUndefined();
    }
  });

  it('names the parameter whose value holds a % that escapes no byte, and the escape', () => {
    const refusal = malformedQueryEncoding('/v1/windows?status=held&team=%ZZ');
    expect(refusal).toMatchObject({ code: 'invalid-query', status: 400, extensions: { errors: [{ path: 'team', message: 'is malformed percent-encoding: %ZZ is no escape of a byte' }] } });
    expect(refusal?.message).toBe(
      'The query parameter team is not percent-encoded as a URL must be: %ZZ is no escape of a byte. Write a literal % as %25, and other characters as the %XX escapes of their UTF-8 bytes (encodeURIComponent does both).',
    );
    expect(malformedQueryEncoding('/v1/audit?reason=50%')?.extensions.errors).toEqual([{ path: 'reason', message: 'is malformed percent-encoding: % is no escape of a byte' }]);
  });

  it('refuses escapes of bytes that are no UTF-8, and a malformed name, named as it was sent', () => {
    expect(malformedQueryEncoding('/v1/holds?region=%FF')?.extensions.errors).toEqual([{ path: 'region', message: 'is malformed percent-encoding: its escapes are not the bytes of UTF-8 text' }]);
    expect(malformedQueryEncoding('/v1/holds?te%ZZam=core')?.extensions.errors).toEqual([{ path: 'te%ZZam', message: 'is malformed percent-encoding: %ZZ is no escape of a byte' }]);
  });
});
