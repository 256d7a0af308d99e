import type { ApiKeyScope } from '@holdfast/contracts';
import { SetMetadata } from '@nestjs/common';
import type { Principal } from './principal';

export const REQUIRED_SCOPE = 'holdfast:required-scope';

/**
 * The scope a route needs. Routes without one need `read` for GET and HEAD and `admin` for
 * anything else, so a write nobody classified is closed rather than open.
 */
export const RequireScope = (scope: ApiKeyScope): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_SCOPE, scope);

export function defaultScopeFor(method: string): ApiKeyScope {
  return method === 'GET' || method === 'HEAD' ? 'read' : 'admin';
}

export function hasScope(principal: Principal, scope: ApiKeyScope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}
