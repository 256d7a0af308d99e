import { Injectable } from '@nestjs/common';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { SharedServiceConfig } from '../config/service-config';
import { InjectServiceConfig } from '../config/service-config.token';
import { DomainError } from '../errors/domain.error';
import type { Principal } from './principal';

/**
 * Requests per key per minute, in this process (rate-limiter-flexible: a maintained limiter with
 * exact time to the next allowed request, which becomes Retry-After). 0 turns it off.
 */
@Injectable()
export class RequestRateLimiter {
  private readonly limiter: RateLimiterMemory | null;

  constructor(@InjectServiceConfig() private readonly config: SharedServiceConfig) {
    const points = config.limits.requestsPerMinute;
    this.limiter = points > 0 ? new RateLimiterMemory({ points, duration: 60 }) : null;
  }

  async admit(principal: Principal): Promise<void> {
    if (!this.limiter) return;
    try {
      await this.limiter.consume(principal.id);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      const retryAfterSeconds = Math.ceil(rejection.msBeforeNext / 1000);
      throw new DomainError('rate-limited', 429, `Key ${principal.id === 'bootstrap' ? 'bootstrap' : `hf_${principal.id}`} sent more than ${this.config.limits.requestsPerMinute} requests in a minute; retry in ${retryAfterSeconds} s (HOLDFAST_RATE_LIMIT_PER_MINUTE sets the limit).`, {
        retryAfterSeconds,
        limitPerMinute: this.config.limits.requestsPerMinute,
      });
    }
  }
}
