import type { Request } from 'express';
import type { Principal } from './principal';

/**
 * Turns a request's credentials into a principal, or throws a 401 that says what was missing.
 * The guard calls it for every route not marked public.
 */
export abstract class Authenticator {
  abstract authenticate(request: Request): Promise<Principal>;
}
