import { DomainError } from '../errors/domain.error';

/**
 * Which versions of a resource a change may apply to: any, for `If-Match: *`, or those its entity
 * tags (or the body's `version`) name, and which of the two named them: a stale If-Match is a
 * failed precondition (412), a stale body version a conflict (409).
 */
export type VersionPrecondition = { readonly anyVersion: true } | { readonly versions: readonly number[]; readonly from: 'If-Match' | 'version' };

/**
 * The change a precondition is read for: the resource's id, which the refusals name its path by; the version its body names,
 * where it may (`version`); and whether it must name one (a 428 without), for which the id is needed.
 */
export type VersionedChange = { id?: string; bodyVersion?: number; required?: false } | { id: string; bodyVersion?: number; required: true };

/** A resource's entity tag, as GET and every answer with the resource send it in ETag: its version, strong ("3"). */
export function entityTagOf(version: number): string {
  return `"${version}"`;
}

/** The ETag of an answer that is a versioned resource, as its OpenAPI response names it. */
export const ENTITY_TAG_HEADER = { ETag: { description: 'its version ("3"), a strong entity tag: send it back in If-Match', schema: { type: 'string' } } };

/** The If-Match a change to a versioned resource takes, as its OpenAPI operation names it (412 precondition-failed is added for it). */
export const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: false,
  description: 'the ETag you read ("3"; W/"3", a list such as "2", "3", or * for any version); without it, whatever the version',
};

const VERSION = /^[1-9]\d{0,9}$/;
// Empty list elements (", ,") are allowed, as RFC 9110 asks of a recipient.
const EMPTY_ELEMENTS = /[ \t,]*$/y;
// RFC 9110 entity-tag: an optional W/ and a quoted opaque tag, which may hold commas; or, as this API took before, a bare version (3).
const LIST_MEMBER = /[ \t,]*(?:(?:W\/)?"([\x21\x23-\x7e\x80-\xff]*)"|([1-9]\d{0,9}))[ \t]*(?:,|$)/y;

/**
 * The opaque tags of an If-Match or If-None-Match list (RFC 9110 8.8.3), weak ones as their tag
 * (W/"3" as 3), a bare version as itself; undefined when a member is no entity tag, which stops
 * the reading. `*` is the caller's to read first.
 */
export function entityTagsIn(header: string): string[] | undefined {
  const tags: string[] = [];
  const members = new RegExp(LIST_MEMBER);
  const rest = new RegExp(EMPTY_ELEMENTS);
  const onlyEmptyElementsLeft = () => {
    rest.lastIndex = members.lastIndex;
    return rest.test(header);
  };
  while (!onlyEmptyElementsLeft()) {
    const member = members.exec(header);
    if (!member) return undefined;
    tags.push(member[1] ?? member[2]);
  }
  return tags;
}

/**
 * A resource whose version is its ETag and whose changes honour If-Match (a window, a
 * subscription): reads the precondition a change names and holds the stored version to it, with
 * messages naming the resource and where to read it again.
 */
export class VersionedResource {
  private readonly name: string;

  /**
   * @param kind what it is, as a message starts: `Window`.
   * @param collection where it is read: `/v1/windows` (its GET is `/v1/windows/{id}`).
   * @param versionInBody whether a change may name the version in its body (`version`) instead of If-Match.
   */
  constructor(
    private readonly kind: string,
    private readonly collection: string,
    private readonly versionInBody: boolean,
  ) {
    this.name = kind.toLowerCase();
  }

  /**
   * The precondition of a change: from If-Match when sent, else from the body's `version`; undefined
   * when neither is (a 428 when `required`). If-Match is read as RFC 9110 writes it: `*` matches any
   * version, and a list matches when one of its tags does. A weak tag (W/"3") is taken as its
   * version too: a proxy that compresses answers weakens the ETag it passes on, and the version
   * alone decides a change. A header naming no version is a 400, not a 412: no read of the resource
   * could make it match. The refusals name the resource's own path when `id` is given.
   */
  precondition(ifMatch: string | undefined, change: VersionedChange = {}): VersionPrecondition | undefined {
    const header = ifMatch?.trim();
    if (header === '*') return { anyVersion: true };
    if (header) return { versions: this.versionsIn(header, change.id), from: 'If-Match' };
    if (change.bodyVersion !== undefined) return { versions: [change.bodyVersion], from: 'version' };
    if (!change.required) return undefined;
    const orBody = this.versionInBody ? ', or "version" in the body' : '';
    // No version is suggested: the one to send is the one the change was made against, which only the caller knows
    // (the current one would overwrite unseen whatever changed since; a made-up one is a 412).
    throw new DomainError(
      'version-required',
      428,
      `Say which version of ${this.name} ${change.id} you change: send If-Match with the ETag GET ${this.pathOf(change.id)} answered when you read it (its version in double quotes)${orBody}.`,
      { errors: [{ path: 'version', message: `required (If-Match header${this.versionInBody ? ' or body' : ''})` }] },
    );
  }

  /**
   * Whether the resource at `version` meets the precondition. An If-Match that does not is a 412
   * precondition-failed (RFC 9110 13.1.1), a body `version` that does not a 409 stale-version; both
   * name the current version and ETag, and say to read the resource again and `whatToDo`.
   */
  assertMatches(precondition: VersionPrecondition | undefined, id: string, version: number, whatToDo: string): void {
    if (!precondition || 'anyVersion' in precondition || precondition.versions.includes(version)) return;
    const readAgain = `read it again (GET ${this.collection}/${id}) and ${whatToDo}`;
    if (precondition.from === 'If-Match') {
      const sent = precondition.versions.map(entityTagOf).join(' or ');
      throw new DomainError('precondition-failed', 412, `${this.kind} ${id} is at version ${version} (ETag ${entityTagOf(version)}), not ${sent} as If-Match says: read it again (GET ${this.collection}/${id}) for its new ETag, then ${whatToDo}.`, {
        currentVersion: version,
      });
    }
    throw new DomainError('stale-version', 409, `${this.kind} ${id} is at version ${version}, not ${precondition.versions[0]}: ${readAgain}.`, { currentVersion: version });
  }

  /** Where the resource is read: its own path when its id is known, else the route's (`/v1/windows/{id}`). */
  private pathOf(id: string | undefined): string {
    return `${this.collection}/${id ?? '{id}'}`;
  }

  private versionsIn(header: string, id: string | undefined): number[] {
    const tags = entityTagsIn(header);
    if (!tags) throw this.invalidVersion(header, id);
    const versions = tags.filter((tag) => VERSION.test(tag)).map(Number);
    // Tags, but none a version (a body hash another server gave): nothing this resource could match.
    if (versions.length === 0) throw this.invalidVersion(header, id);
    return versions;
  }

  private invalidVersion(header: string, id: string | undefined): DomainError {
    return new DomainError('invalid-version', 400, `If-Match ${header} names no ${this.name} version: send back the ETag GET ${this.pathOf(id)} answered, its version in double quotes.`, {
      errors: [{ path: 'If-Match', message: `must be a ${this.name} version such as "3"` }],
    });
  }
}
