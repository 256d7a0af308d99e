import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** Who is making a request: what the audit trail records as the actor. */
export interface Principal {
  kind: 'anonymous' | 'api-key' | 'system';
  /** Stable id for the audit trail: a key id, or "anonymous". */
  id: string;
  /** The team the credentials belong to; null when unknown. */
  team: string | null;
  scopes: readonly string[];
}

export const ANONYMOUS_PRINCIPAL: Principal = Object.freeze({ kind: 'anonymous', id: 'anonymous', team: null, scopes: Object.freeze([]) });

/** The principal the request guard attached; anonymous on routes it did not see. */
export function principalOf(request: { principal?: Principal }): Principal {
  return request.principal ?? ANONYMOUS_PRINCIPAL;
}

/** Handler parameter: the request's principal, e.g. `create(@CurrentPrincipal() actor: Principal)`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context.switchToHttp().getRequest<{ principal?: Principal }>()),
);

/** The actor string written to audit entries: "team/key-id", or the principal's id alone. */
export function actorOf(principal: Principal): string {
  return principal.team ? `${principal.team}/${principal.id}` : principal.id;
}
