import { DomainError, VersionedResource } from '@holdfast/service-kit';

/** A change names the version it was made against in If-Match, in its body's `version`, or in both (held to both). */
export const WINDOWS = new VersionedResource('Window', '/v1/windows', true);

/**
 * A change naming its version twice, in If-Match and in the body, is held to both: If-Match first (its
 * 412, WINDOWS.assertMatches), then the body's `version`, stale a 409 stale-version as when it is sent
 * alone. An If-Match that matches does not make up for it: the two disagree, so one of them was read
 * before a change, and applying this one could undo that change unseen.
 */
export function assertBodyVersionAgrees(id: string, ifMatch: string | undefined, bodyVersion: number | undefined, version: number, whatToDo: string): void {
  const header = ifMatch?.trim();
  if (!header || bodyVersion === undefined || bodyVersion === version) return;
  throw new DomainError(
    'stale-version',
    409,
    `Window ${id} is at version ${version}, not ${bodyVersion} as the body's version says, though If-Match ${header} matches it: the two name different versions, so one was read before a change. Read it again (GET /v1/windows/${id}) and ${whatToDo}, naming its version once, in If-Match or in the body.`,
    { currentVersion: version },
  );
}
