import { HttpException, Injectable, Logger } from '@nestjs/common';
import type { Request } from 'express';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { DomainError } from '../errors/domain.error';

const statusOf = (error: unknown): number | undefined =>
  error instanceof DomainError ? error.status : error instanceof HttpException ? error.getStatus() : undefined;

/**
 * Failed authentications per client address per minute, in this process: past the limit an
 * address is refused before its credentials are read, so a caller trying keys or a sender's
 * password gets a few guesses a minute and costs no key lookup in PostgreSQL. The address is
 * Express's `request.ip` (HOLDFAST_TRUST_PROXY says which proxies' X-Forwarded-For to believe).
 * 0 turns it off.
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
   * Runs `authenticate` unless the caller's address is over its failures, and counts a 401 it
   * throws against the address. Any other outcome (a key without the route's scope, a database
   * error) is no guess at a credential and is not counted.
   */
  async guard<Result>(request: Request, authenticate: () => Result | Promise<Result>): Promise<Result> {
    if (!this.failures) return authenticate();
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const seen = await this.failures.get(address);
    if (seen && seen.consumedPoints >= this.config.limits.authFailuresPerMinute) throw this.refusal(address, seen.msBeforeNext);
    try {
      return await authenticate();
    } catch (error) {
      if (statusOf(error) === 401) {
        const { consumedPoints, msBeforeNext } = await this.failures.penalty(address);
        // Once an address a minute at most: the line an operator greps for when a client says it is refused.
        if (consumedPoints === this.config.limits.authFailuresPerMinute) {
          this.logger.warn({ address, failures: consumedPoints, refusedForMs: msBeforeNext }, 'client address reached HOLDFAST_AUTH_FAILURES_PER_MINUTE: its requests are refused with 429 until the minute is out');
        }
      }
      throw error;
    }
  }

  private refusal(address: string, msBeforeNext: number): DomainError {
    const retryAfterSeconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    const limit = this.config.limits.authFailuresPerMinute;
    return new DomainError(
      'too-many-failed-authentications',
      429,
      `${address} sent ${limit} requests with a missing or wrong credential within a minute; its requests are refused for ${retryAfterSeconds} s more. Check the key or sender credential it sends (HOLDFAST_AUTH_FAILURES_PER_MINUTE sets the limit; behind a proxy, HOLDFAST_TRUST_PROXY makes each client count apart).`,
      { retryAfterSeconds, limitPerMinute: limit },
    );
  }
}
