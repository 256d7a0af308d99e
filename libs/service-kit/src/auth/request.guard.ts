import { PUBLIC_ROUTE } from '@holdfast/observability';
import type { ApiKeyScope } from '@holdfast/contracts';
import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../errors/domain.error';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { Authenticator } from './authenticator';
import type { Principal } from './principal';
import { RequestRateLimiter } from './request-rate-limiter';
import { defaultScopeFor, hasScope, REQUIRED_SCOPE } from './scopes';

/**
 * The one global guard: routes marked public pass; every other request comes from an address
 * within its failed authentications, is authenticated, gets its principal, must carry the
 * route's scope, and stays within its key's rate limit.
 */
@Injectable()
export class RequestGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly rateLimiter: RequestRateLimiter,
    private readonly authFailures: AuthFailureLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const principal = await this.authFailures.guard(request, 'API key', () => this.authenticator.authenticate(request), () => this.authenticator.vouchesFor(request));
    request.principal = principal;
    const scope = this.reflector.getAllAndOverride<ApiKeyScope | undefined>(REQUIRED_SCOPE, targets) ?? defaultScopeFor(request.method);
    if (!hasScope(principal, scope)) {
      const key = principal.id === 'bootstrap' ? 'the bootstrap key' : `key hf_${principal.id}`;
      throw new DomainError('missing-scope', 403, `This request needs scope ${scope}; ${key} (team ${principal.team ?? 'none'}) has ${principal.scopes.join(', ') || 'none'}.`, { requiredScope: scope });
    }
    await this.rateLimiter.admit(principal);
    return true;
  }
}
