import { describe, expect, it } from 'vitest';
import type { DomainError } from '../errors/domain.error';
import { entityTagOf, VersionedResource } from './entity-version';

const refusal = (act: () => unknown): DomainError => {
  try {
    act();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
};

const windows = new VersionedResource('Window', '/v1/windows', true);
const ID = '01a24f06-a922-71a0-9620-308b3d3312d8';
const subscriptions = new VersionedResource('Subscription', '/v1/subscriptions', false);

describe('a version as an entity tag', () => {
  it('is the version, strong', () => {
    expect(entityTagOf(3)).toBe('"3"');
  });

  it('reads If-Match as RFC 9110 writes it: a tag, weak or strong, a list, or *', () => {
    const required = { id: ID, required: true } as const;
    expect(windows.precondition('"3"', required)).toEqual({ versions: [3], from: 'If-Match' });
    expect(windows.precondition('W/"3"', required)).toEqual({ versions: [3], from: 'If-Match' });
    expect(windows.precondition('"2", "3"', required)).toEqual({ versions: [2, 3], from: 'If-Match' });
    expect(windows.precondition(' "2",W/"3" ,', required)).toEqual({ versions: [2, 3], from: 'If-Match' });
    expect(windows.precondition(', "2", ,', required)).toEqual({ versions: [2], from: 'If-Match' });
    expect(windows.precondition('*', { ...required, bodyVersion: 4 })).toEqual({ anyVersion: true });
    // A tag this API did not give (a body hash, one holding a comma) matches no version, beside one that does.
    expect(windows.precondition('W/"1f-4eb7a3", "a,b", "5"', required)).toEqual({ versions: [5], from: 'If-Match' });
    // As before: a bare version, and the header over the body.
    expect(windows.precondition('3', required)).toEqual({ versions: [3], from: 'If-Match' });
    expect(windows.precondition('"3"', { ...required, bodyVersion: 2 })).toEqual({ versions: [3], from: 'If-Match' });
  });

  it('takes the body version without If-Match, and asks for one only where a change needs it', () => {
    expect(windows.precondition(undefined, { id: ID, bodyVersion: 2, required: true })).toEqual({ versions: [2], from: 'version' });
    expect(windows.precondition(undefined, { id: ID })).toBeUndefined();
    expect(subscriptions.precondition('')).toBeUndefined();
    expect(refusal(() => windows.precondition(undefined, { id: ID, required: true }))).toMatchObject({ code: 'version-required', status: 428 });
  });

  it("asks for the version with the resource's own path, and suggests none: only the caller knows which it read", () => {
    const required = refusal(() => windows.precondition(undefined, { id: ID, required: true }));
    expect(required.message).toBe(
      `Say which version of window ${ID} you change: send If-Match with the ETag GET /v1/windows/${ID} answered when you read it (its version in double quotes), or "version" in the body.`,
    );
    expect(required.message).not.toMatch(/\{id\}|"\d+"/);
    expect(refusal(() => new VersionedResource('Hold', '/v1/holds', false).precondition(undefined, { id: ID, required: true })).message).toBe(
      `Say which version of hold ${ID} you change: send If-Match with the ETag GET /v1/holds/${ID} answered when you read it (its version in double quotes).`,
    );
  });

  it('refuses with 400 an If-Match that names no version, however it is written', () => {
    for (const header of ['"abc"', 'W/"1f-4eb7a3"', '"0"', 'abc', '"3" x', '"3', '*, "3"', 'W/3', ',']) {
      expect(refusal(() => windows.precondition(header, { id: ID, required: true })), header).toMatchObject({
        code: 'invalid-version',
        status: 400,
        extensions: { errors: [{ path: 'If-Match', message: 'must be a window version such as "3"' }] },
      });
    }
    expect(refusal(() => windows.precondition('"abc"', { id: ID })).message).toBe(
      `If-Match "abc" names no window version: send back the ETag GET /v1/windows/${ID} answered, its version in double quotes.`,
    );
    // A caller that does not say which resource is changed is told where its kind is read.
    expect(refusal(() => subscriptions.precondition('"abc"')).message).toBe('If-Match "abc" names no subscription version: send back the ETag GET /v1/subscriptions/{id} answered, its version in double quotes.');
  });

  it('lets a change through at a version the precondition names', () => {
    expect(() => windows.assertMatches({ versions: [2, 3], from: 'If-Match' }, 'w', 3, 'retry')).not.toThrow();
    expect(() => windows.assertMatches({ anyVersion: true }, 'w', 7, 'retry')).not.toThrow();
    expect(() => windows.assertMatches(undefined, 'w', 7, 'retry')).not.toThrow();
  });

  it('answers an If-Match naming another version 412 precondition-failed (RFC 9110 13.1.1), and a stale body version 409, each with the current one', () => {
    const failed = refusal(() => subscriptions.assertMatches({ versions: [1, 2], from: 'If-Match' }, 's', 3, 'reapply your change'));
    expect(failed).toMatchObject({ code: 'precondition-failed', status: 412, extensions: { currentVersion: 3 } });
    expect(failed.message).toBe('Subscription s is at version 3 (ETag "3"), not "1" or "2" as If-Match says: read it again (GET /v1/subscriptions/s) for its new ETag, then reapply your change.');
    const stale = refusal(() => windows.assertMatches({ versions: [2], from: 'version' }, 'w', 3, 'reapply your change'));
    expect(stale).toMatchObject({ code: 'stale-version', status: 409, extensions: { currentVersion: 3 } });
    expect(stale.message).toBe('Window w is at version 3, not 2: read it again (GET /v1/windows/w) and reapply your change.');
  });
});
