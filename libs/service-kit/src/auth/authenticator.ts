import type { Request } from 'express';
import type { Principal } from './principal';
import { ANONYMOUS_PRINCIPAL } from './principal';

/**
 * Turns a request's credentials into a principal, or throws an HttpException (401/403) that says
 * what was missing. The guard calls it for every route not marked public.
 */
export abstract class Authenticator {
  abstract authenticate(request: Request): Promise<Principal>;
}

/** Until API keys exist every caller is anonymous; the slot is here so adding keys changes no controller. */
export class OpenAuthenticator extends Authenticator {
  authenticate(): Promise<Principal> {
    return Promise.resolve(ANONYMOUS_PRINCIPAL);
  }
}
