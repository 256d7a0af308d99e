import { DomainError } from '../errors/domain.error';
import type { Principal } from './principal';

/**
 * A team changes only its own windows and subscriptions; an admin key may act for any team (the
 * audit trail records it acting for the owner).
 */
export function assertActsFor(principal: Principal, ownerTeam: string, what: string): void {
  if (mayActFor(principal, ownerTeam)) return;
  throw new DomainError('other-team', 403, `${what} belongs to team ${ownerTeam}; the key's team ${principal.team ?? '(none)'} may read it but not change it.`, { ownerTeam });
}

/**
 * Making something a team's (planning a window or subscribing for it, handing either to it) is for
 * that team's keys or an admin key. `doing` is what was asked, worded to end before the team: "plan a window for".
 */
export function assertMayAssignTo(principal: Principal, ownerTeam: string, doing: string): void {
  if (mayActFor(principal, ownerTeam)) return;
  const own = principal.team ? `Set ownerTeam to ${principal.team}, or use` : 'Use';
  throw new DomainError(
    'other-team',
    403,
    `A key of ${principal.team ? `team ${principal.team}` : 'no team'} cannot ${doing} team ${ownerTeam}: a key acts for its own team only. ${own} a key of team ${ownerTeam} or an admin key.`,
    { ownerTeam },
  );
}

const mayActFor = (principal: Principal, team: string): boolean => principal.scopes.includes('admin') || principal.team === team;

/** The team a request may act for: undefined for an admin key (any team), its own team otherwise. */
export function teamActedFor(principal: Principal): string | undefined {
  if (principal.scopes.includes('admin')) return undefined;
  if (!principal.team) throw new DomainError('other-team', 403, "The key belongs to no team, so it may change no team's subscriptions or windows: use a team key or an admin key.");
  return principal.team;
}
