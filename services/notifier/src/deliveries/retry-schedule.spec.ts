import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { notifierEnvironment, notifierSettings } from '../config/notifier-settings';
import { retryAfterMs, retryDelayMs, type RetrySettings } from './retry-schedule';

const settings = { maxAttempts: 8, retryBaseMs: 1_000, retryMaxMs: 60_000 };
const HOUR_MS = 3_600_000;

/** How long a delivery failing every attempt is retried before it is dead, with the jitter fixed at `random`. */
const retriedForMs = (budget: RetrySettings, random: number, askedMs?: number): number =>
  Array.from({ length: budget.maxAttempts - 1 }, (_, index) => retryDelayMs(index + 1, budget, askedMs, () => random)).reduce((sum, wait) => sum + wait, 0);

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

  it('retries for about a day with the default settings, so a receiver down for a redeploy or a night misses nothing', () => {
    const defaults = notifierSettings(z.object(notifierEnvironment).parse({})).delivery;
    expect(retriedForMs(defaults, 0.5)).toBeGreaterThanOrEqual(24 * HOUR_MS);
    expect(retriedForMs(defaults, 0)).toBeGreaterThanOrEqual(16 * HOUR_MS);
    expect(retriedForMs(defaults, 1)).toBeLessThanOrEqual(34 * HOUR_MS);
  });

  it('spends an attempt on each Retry-After answer but never waits less than the backoff, so the budget covers as long', () => {
    const defaults = notifierSettings(z.object(notifierEnvironment).parse({})).delivery;
    expect(retriedForMs(defaults, 0.5, 0)).toBe(retriedForMs(defaults, 0.5));
    expect(retriedForMs(defaults, 0.5, 10 * 60_000)).toBeGreaterThan(retriedForMs(defaults, 0.5));
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-06-14T21:00:00Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Sun, 14 Jun 2026 21:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});
