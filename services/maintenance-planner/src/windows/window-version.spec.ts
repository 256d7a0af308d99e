import { DomainError } from '@holdfast/service-kit';
import { describe, expect, it } from 'vitest';
import { assertBodyVersionAgrees, WINDOWS } from './window-version';

const ID = '01a24f06-a922-71a0-9620-308b3d3312d8';

/** The checks a window's PATCH makes of the version it is at (WindowsService.update), in their order. */
function change(version: number, ifMatch: string | undefined, bodyVersion: number | undefined): DomainError | undefined {
  try {
    WINDOWS.assertMatches(WINDOWS.precondition(ifMatch, { id: ID, bodyVersion, required: true }), ID, version, 'reapply your change');
    assertBodyVersionAgrees(ID, ifMatch, bodyVersion, version, 'reapply your change');
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
}

describe('a window change naming its version in If-Match and in the body', () => {
  it('is refused with 409 stale-version, naming both, when the body names an older version than the If-Match that matches', () => {
    const refused = change(2, '"2"', 1);
    expect(refused).toMatchObject({ code: 'stale-version', status: 409, extensions: { currentVersion: 2 } });
    expect(refused?.message).toBe(
      `Window ${ID} is at version 2, not 1 as the body's version says, though If-Match "2" matches it: the two name different versions, so one was read before a change. Read it again (GET /v1/windows/${ID}) and reapply your change, naming its version once, in If-Match or in the body.`,
    );
  });

  it('is refused so beside If-Match: * and a list that matches', () => {
    expect(change(3, '*', 2)).toMatchObject({ code: 'stale-version', status: 409, extensions: { currentVersion: 3 } });
    expect(change(3, '"2", "3"', 2)).toMatchObject({ code: 'stale-version', status: 409 });
  });

  it('is a 412 first when the If-Match is stale, whatever the body says', () => {
    expect(change(3, '"2"', 3)).toMatchObject({ code: 'precondition-failed', status: 412 });
    expect(change(3, '"2"', 2)).toMatchObject({ code: 'precondition-failed', status: 412 });
  });

  it('is taken when both name the version the window is at, and a body version alone is judged as before', () => {
    expect(change(2, '"2"', 2)).toBeUndefined();
    expect(change(2, 'W/"2"', undefined)).toBeUndefined();
    expect(change(2, undefined, 2)).toBeUndefined();
    expect(change(2, undefined, 1)).toMatchObject({ code: 'stale-version', status: 409, message: `Window ${ID} is at version 2, not 1: read it again (GET /v1/windows/${ID}) and reapply your change.` });
  });
});
