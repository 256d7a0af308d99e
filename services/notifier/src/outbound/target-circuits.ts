import CircuitBreaker from 'opossum';

export type CircuitState = 'closed' | 'half-open' | 'open';

export interface CircuitSettings {
  errorPercent: number;
  volume: number;
  resetMs: number;
}

/**
 * One circuit breaker per target (scheme://host:port). opossum: the maintained Node circuit breaker
 * (rolling error window, volume threshold, half-open probe and state events), so the state
 * machine is not ours to get wrong. Failures the receiver answered for good (other 4xx) and
 * refusals of our own do not count against a target: `isTargetFault` decides.
 */
export class TargetCircuits {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();

  constructor(
    private readonly settings: CircuitSettings,
    private readonly isTargetFault: (error: unknown) => boolean,
    private readonly onStateChange: (target: string, state: CircuitState) => void = () => undefined,
  ) {}

  state(target: string): CircuitState {
    const breaker = this.breakers.get(target);
    if (!breaker || breaker.closed) return 'closed';
    return breaker.halfOpen ? 'half-open' : 'open';
  }

  /** Targets whose circuit is open or half-open. */
  unclosed(): string[] {
    return [...this.breakers].filter(([, breaker]) => !breaker.closed).map(([target]) => target);
  }

  /** Every target with a breaker, whatever its state. */
  targets(): string[] {
    return [...this.breakers.keys()];
  }

  /** Drops a target's breaker (nothing sends to it any more): a later request starts it afresh, closed. */
  forget(target: string): void {
    this.breakers.get(target)?.shutdown();
    this.breakers.delete(target);
  }

  /** Runs `action` through the target's breaker; rejects at once with code EOPENBREAKER while it is open. */
  run<T>(target: string, action: () => Promise<T>): Promise<T> {
    return this.breakerFor(target).fire(action) as Promise<T>;
  }

  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }

  private breakerFor(target: string): CircuitBreaker<[() => Promise<unknown>], unknown> {
    let breaker = this.breakers.get(target);
    if (!breaker) {
      breaker = new CircuitBreaker((action: () => Promise<unknown>) => action(), {
        // Timeouts are the outbound client's; a breaker timeout would leave the request running.
        timeout: false,
        errorThresholdPercentage: this.settings.errorPercent,
        volumeThreshold: this.settings.volume,
        resetTimeout: this.settings.resetMs,
        errorFilter: (error: unknown) => !this.isTargetFault(error),
      });
      breaker.on('open', () => this.onStateChange(target, 'open'));
      breaker.on('halfOpen', () => this.onStateChange(target, 'half-open'));
      breaker.on('close', () => this.onStateChange(target, 'closed'));
      this.breakers.set(target, breaker);
    }
    return breaker;
  }
}

export const isOpenCircuit = (error: unknown): boolean => (error as { code?: string } | null)?.code === 'EOPENBREAKER';
