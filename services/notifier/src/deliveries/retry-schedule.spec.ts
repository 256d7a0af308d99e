import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelayMs } from './retry-schedule';

const settings = { maxAttempts: 8, retryBaseMs: 1_000, retryMaxMs: 60_000 };

describe('retry schedule', () => {
  it('doubles from the base with jitter in the upper half, up to the cap', () => {
    expect(retryDelayMs(1, settings, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, settings, undefined, () => 1)).toBe(1_000);
    expect(retryDelayMs(3, settings, undefined, () => 1)).toBe(4_000);
    expect(retryDelayMs(20, settings, undefined, () => 1)).toBe(60_000);
  });

  it('waits as long as Retry-After asks, within the cap', () => {
    expect(retryDelayMs(1, settings, 30_000, () => 0)).toBe(30_000);
    expect(retryDelayMs(1, settings, 3_600_000, () => 0)).toBe(60_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-06-14T21:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sun, 14 Jun 2026 21:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
