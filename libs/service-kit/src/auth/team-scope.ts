import { DomainError } from '../errors/domain.error';
import type { Principal } from './principal';

/**
 * A team changes only its own windows and subscriptions; an admin key may act for any team (the
 * audit trail records it acting for the owner).
 */
export function assertActsFor(principal: Principal, ownerTeam: string, what: string): void {
  if (principal.scopes.includes('admin') || principal.team === ownerTeam) return;
  throw new DomainError('other-team', 403, `${what} belongs to team ${ownerTeam}; the key's team ${principal.team ?? '(none)'} may read it but not change it.`, { ownerTeam });
}

/** The team a request may act for: undefined for an admin key (any team), its own team otherwise. */
export function teamActedFor(principal: Principal): string | undefined {
  if (principal.scopes.includes('admin')) return undefined;
  if (!principal.team) throw new DomainError('other-team', 403, "The key belongs to no team, so it may change no team's subscriptions or windows: use a team key or an admin key.");
  return principal.team;
}
