import { DomainError } from '@holdfast/service-kit';

/**
 * Which versions of a window a change may apply to: any, for `If-Match: *`, or those its entity
 * tags (or the body's `version`) name.
 */
export type VersionPrecondition = { readonly anyVersion: true } | { readonly versions: readonly number[] };

/** A window's entity tag, as GET and every answer with the window send it in ETag: its version, strong ("3"). */
export function windowEntityTag(version: number): string {
  return `"${version}"`;
}

const VERSION = /^[1-9]\d{0,9}$/;
// Empty list elements (", ,") are allowed, as RFC 9110 asks of a recipient.
const EMPTY_ELEMENTS = /[ \t,]*$/y;
// RFC 9110 entity-tag: an optional W/ and a quoted opaque tag, which may hold commas; or, as this API took before, a bare version (3).
const LIST_MEMBER = /[ \t,]*(?:(?:W\/)?"([\x21\x23-\x7e\x80-\xff]*)"|([1-9]\d{0,9}))[ \t]*(?:,|$)/y;

/**
 * The precondition of a change: from If-Match when sent, else from the body's `version`; undefined
 * when neither is (a 428 when `required`). If-Match is read as RFC 9110 writes it: `*` matches any
 * version, and a list matches when one of its tags does. A weak tag (W/"3") is taken as its
 * version too: a proxy that compresses answers weakens the ETag it passes on, and the version
 * alone decides a change. A header naming no version is a 400, not a 409: no read of the window
 * could make it match.
 */
export function versionPrecondition(ifMatch: string | undefined, bodyVersion: number | undefined, required: boolean): VersionPrecondition | undefined {
  const header = ifMatch?.trim();
  if (header === '*') return { anyVersion: true };
  if (header) return { versions: versionsIn(header) };
  if (bodyVersion !== undefined) return { versions: [bodyVersion] };
  if (!required) return undefined;
  throw new DomainError('version-required', 428, 'Say which version you change: send If-Match with the ETag GET /v1/windows/{id} gave (If-Match: "3"), or "version" in the body.', {
    errors: [{ path: 'version', message: 'required (If-Match header or body)' }],
  });
}

/** Whether a window at `version` meets the precondition, as a stale one is answered: 409 stale-version with its current version. */
export function assertVersionMatches(precondition: VersionPrecondition | undefined, windowId: string, version: number, whatToDo: string): void {
  if (!precondition || 'anyVersion' in precondition || precondition.versions.includes(version)) return;
  const sent = precondition.versions.join(' or ');
  throw new DomainError('stale-version', 409, `Window ${windowId} is at version ${version}, not ${sent}: read it again (GET /v1/windows/${windowId}) and ${whatToDo}.`, {
    currentVersion: version,
  });
}

function versionsIn(header: string): number[] {
  const versions: number[] = [];
  const members = new RegExp(LIST_MEMBER);
  const rest = new RegExp(EMPTY_ELEMENTS);
  const onlyEmptyElementsLeft = () => {
    rest.lastIndex = members.lastIndex;
    return rest.test(header);
  };
  // A member that is no entity tag stops the reading.
  while (!onlyEmptyElementsLeft()) {
    const member = members.exec(header);
    if (!member) throw invalidVersion(header);
    const tag = member[1] ?? member[2];
    if (VERSION.test(tag)) versions.push(Number(tag));
  }
  // Tags, but none a version (a body hash another server gave): nothing this window could match.
  if (versions.length === 0) throw invalidVersion(header);
  return versions;
}

function invalidVersion(header: string): DomainError {
  return new DomainError('invalid-version', 400, `If-Match ${header} names no window version: send back the ETag GET /v1/windows/{id} gave, such as If-Match: "3".`, {
    errors: [{ path: 'If-Match', message: 'must be a window version such as "3"' }],
  });
}
