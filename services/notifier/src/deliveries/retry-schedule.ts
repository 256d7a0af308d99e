export interface RetrySettings {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Retry-After as delta-seconds or an HTTP date, in milliseconds from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * The wait before attempt `attempt + 1`: exponential from the base, capped, with equal jitter
 * (half fixed, half random) so receivers recovering from an outage are not hit in lockstep. A
 * receiver's Retry-After wins when it asks for longer, up to the cap. An answer with Retry-After
 * spends an attempt like any other failure, but never waits less than the backoff would, so it
 * never shortens the time the attempt budget covers.
 */
export function retryDelayMs(attempt: number, settings: RetrySettings, askedMs?: number, random: () => number = Math.random): number {
  const exponential = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(askedMs === undefined ? jittered : Math.min(settings.retryMaxMs, Math.max(askedMs, jittered)));
}
