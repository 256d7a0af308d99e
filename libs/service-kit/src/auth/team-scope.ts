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
