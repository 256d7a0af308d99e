import { DomainError } from '@holdfast/service-kit';
import { describe, expect, it } from 'vitest';
import { assertVersionMatches, versionPrecondition, windowEntityTag } from './window-version';

const refusal = (act: () => unknown): DomainError => {
  try {
    act();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
};

describe('a window version as an entity tag', () => {
  it('is the version, strong', () => {
    expect(windowEntityTag(3)).toBe('"3"');
  });

  it('reads If-Match as RFC 9110 writes it: a tag, weak or strong, a list, or *', () => {
    expect(versionPrecondition('"3"', undefined, true)).toEqual({ versions: [3] });
    expect(versionPrecondition('W/"3"', undefined, true)).toEqual({ versions: [3] });
    expect(versionPrecondition('"2", "3"', undefined, true)).toEqual({ versions: [2, 3] });
    expect(versionPrecondition(' "2",W/"3" ,', undefined, true)).toEqual({ versions: [2, 3] });
    expect(versionPrecondition(', "2", ,', undefined, true)).toEqual({ versions: [2] });
    expect(versionPrecondition('*', 4, true)).toEqual({ anyVersion: true });
    // A tag this API did not give (a body hash, one holding a comma) matches no version, beside one that does.
    expect(versionPrecondition('W/"1f-4eb7a3", "a,b", "5"', undefined, true)).toEqual({ versions: [5] });
    // As before: a bare version, and the header over the body.
    expect(versionPrecondition('3', undefined, true)).toEqual({ versions: [3] });
    expect(versionPrecondition('"3"', 2, true)).toEqual({ versions: [3] });
  });

  it('takes the body version without If-Match, and asks for one only where a change needs it', () => {
    expect(versionPrecondition(undefined, 2, true)).toEqual({ versions: [2] });
    expect(versionPrecondition(undefined, undefined, false)).toBeUndefined();
    expect(versionPrecondition('', undefined, false)).toBeUndefined();
    expect(refusal(() => versionPrecondition(undefined, undefined, true))).toMatchObject({ code: 'version-required', status: 428 });
  });

  it('refuses with 400 an If-Match that names no version, however it is written', () => {
    for (const header of ['"abc"', 'W/"1f-4eb7a3"', '"0"', 'abc', '"3" x', '"3', '*, "3"', 'W/3', ',']) {
      expect(refusal(() => versionPrecondition(header, undefined, true)), header).toMatchObject({
        code: 'invalid-version',
        status: 400,
        extensions: { errors: [{ path: 'If-Match', message: 'must be a window version such as "3"' }] },
      });
    }
  });

  it('lets a change through at a version the precondition names, and answers another 409 stale-version with the current one', () => {
    expect(() => assertVersionMatches({ versions: [2, 3] }, 'w', 3, 'retry')).not.toThrow();
    expect(() => assertVersionMatches({ anyVersion: true }, 'w', 7, 'retry')).not.toThrow();
    expect(() => assertVersionMatches(undefined, 'w', 7, 'retry')).not.toThrow();
    const stale = refusal(() => assertVersionMatches({ versions: [1, 2] }, 'w', 3, 'reapply your change'));
    expect(stale).toMatchObject({ code: 'stale-version', status: 409, extensions: { currentVersion: 3 } });
    expect(stale.message).toBe('Window w is at version 3, not 1 or 2: read it again (GET /v1/windows/w) and reapply your change.');
  });
});
