import type { Request } from 'express';
import type { Principal } from './principal';

/**
 * Turns a request's credentials into a principal, or throws a 401 that says what was missing.
 * The guard calls it for every route not marked public.
 */
export abstract class Authenticator {
  abstract authenticate(request: Request): Promise<Principal>;

  /**
   * Whether the request presents a credential this process has accepted before, without looking
   * anything up: such a request is still authenticated from an address refused for its failed
   * authentications (AuthFailureLimiter). None by default.
   */
  vouchesFor(_request: Request): boolean {
    return false;
  }
}
