import { HttpException, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { DomainError } from '../errors/domain.error';

const statusOf = (error: unknown): number | undefined =>
  error instanceof DomainError ? error.status : error instanceof HttpException ? error.getStatus() : undefined;

/** What a request presents, as the refusal names it; each kind is counted apart, so a client with a stale API key does not stop Alertmanager at the same address. */
export type CredentialKind = 'API key' | 'alertmanager credential' | 'grafana credential';

/**
 * Failed authentications per client address and kind of credential per minute, in this process.
 * Past the limit the address's requests are refused before their credentials are read, so a
 * caller trying a sender's password gets a few guesses a minute and guessed key ids cost no lookup
 * in PostgreSQL; `vouched` lets through a credential this process has accepted before (a whole key
 * it authenticated, never a known id with another secret), so a client sharing the address (a NAT,
 * a proxy not named in HOLDFAST_TRUST_PROXY) with a broken one keeps working. The address is
 * Express's `request.ip`. HOLDFAST_AUTH_FAILURES_PER_MINUTE 0 turns it off.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly logger = new Logger(AuthFailureLimiter.name);
  private readonly failures: RateLimiterMemory | null;

  constructor(@InjectServiceConfig() private readonly config: SharedServiceConfig) {
    const points = config.limits.authFailuresPerMinute;
    this.failures = points > 0 ? new RateLimiterMemory({ points, duration: 60 }) : null;
  }

  /**
   * Runs `authenticate` unless the caller's address is over its failures with this kind of
   * credential and the credential is not `vouched` for (asked only then), and counts a 401 it throws against the
   * address. Any other outcome (a key without the route's scope, a database error) is no guess at
   * a credential and is not counted.
   */
  async guard<Result>(request: Request, kind: CredentialKind, authenticate: () => Result | Promise<Result>, vouched: () => boolean = () => false): Promise<Result> {
    if (!this.failures) return authenticate();
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const counter = `${kind}|${address}`;
    const seen = await this.failures.get(counter);
    if (seen && seen.consumedPoints >= this.config.limits.authFailuresPerMinute && !vouched()) throw this.refusal(address, kind, seen.msBeforeNext);
    try {
      return await authenticate();
    } catch (error) {
      if (statusOf(error) === 401) {
        const { consumedPoints, msBeforeNext } = await this.failures.penalty(counter);
        // Once an address a minute at most: the line an operator greps for when a client says it is refused.
        if (consumedPoints === this.config.limits.authFailuresPerMinute) {
          this.logger.warn(
            { address, credential: kind, failures: consumedPoints, refusedForMs: msBeforeNext },
            `client address reached HOLDFAST_AUTH_FAILURES_PER_MINUTE with its ${kind}s: those it has not been seen to hold are refused with 429 until the minute is out`,
          );
        }
      }
      throw error;
    }
  }

  private refusal(address: string, kind: CredentialKind, msBeforeNext: number): DomainError {
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    const limit = this.config.limits.authFailuresPerMinute;
    return new DomainError(
      'too-many-failed-authentications',
      429,
      `${address} sent ${limit} requests with a missing or wrong ${kind} within a minute; for ${retryAfterSeconds} s more it is refused any ${kind} this service has not accepted before. Check the ${kind} it sends (HOLDFAST_AUTH_FAILURES_PER_MINUTE sets the limit; behind a proxy, HOLDFAST_TRUST_PROXY makes each client count apart).`,
      { retryAfterSeconds, limitPerMinute: limit },
    );
  }
}
