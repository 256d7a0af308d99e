import { describe, expect, it } from 'vitest';
import { TimeErrorCode } from '../errors/time.error';
import { parseWallClock } from '../zones/wall-clock';
import { FALLBACK_LOAD, hourOfWeek, relativeLoad } from './hour-of-week-baseline';

describe('hour-of-week baselines', () => {
  it('indexes local hours from Monday 00:00 = 0 to Sunday 23:00 = 167', () => {
    expect(hourOfWeek(parseWallClock('2026-06-15T00:00'))).toBe(0);
    expect(hourOfWeek(parseWallClock('2026-06-16T01:30'))).toBe(25);
    expect(hourOfWeek(parseWallClock('2026-06-21T23:59'))).toBe(167);
    expect(hourOfWeek(parseWallClock('2009-06-16T01:30'))).toBe(25);
    expect(hourOfWeek(parseWallClock('1969-12-29T00:00'))).toBe(0);
  });

  it('divides learned values by their mean and fills unlearned hours from the fallback', () => {
    const values = Array.from({ length: 168 }, (_, hour) => (hour === 0 ? null : hour % 2 === 0 ? 30 : 10));
    const load = relativeLoad({ region: 'IR', zone: 'Asia/Tehran', values });
    const mean = (83 * 30 + 84 * 10) / 167;
    expect(load?.meanTraffic).toBeCloseTo(mean, 12);
    expect(load?.values[1]).toBeCloseTo(10 / mean, 12);
    expect(load?.values[0]).toBe(FALLBACK_LOAD[0]);
  });

  it('returns null when nothing is learned, and zeros for a region without traffic', () => {
    expect(relativeLoad({ region: 'IR', zone: 'Asia/Tehran', values: Array(168).fill(null) })).toBeNull();
    expect(Array.from(relativeLoad({ region: 'AQ', zone: 'Antarctica/Troll', values: Array(168).fill(0) })?.values ?? [])).toEqual(Array(168).fill(0));
  });

  it('keeps the fallback profile at mean 1, quiet at local night and busy in daytime', () => {
    expect(FALLBACK_LOAD.reduce((sum, value) => sum + value, 0) / 168).toBeCloseTo(1, 12);
    expect(Math.max(...FALLBACK_LOAD.slice(1, 5))).toBeLessThan(0.4);
    expect(Math.min(...FALLBACK_LOAD.slice(9, 21))).toBeGreaterThan(1);
  });

  it('refuses a baseline of the wrong length, a negative value, or an unknown zone', () => {
    expect(() => relativeLoad({ region: 'IR', zone: 'Asia/Tehran', values: Array(24).fill(1) })).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidBaseline }));
    expect(() => relativeLoad({ region: 'IR', zone: 'Asia/Tehran', values: Array(168).fill(Number.NaN) })).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidBaseline }));
    expect(() => relativeLoad({ region: 'IR', zone: 'Tehran', values: Array(168).fill(1) })).toThrow(expect.objectContaining({ code: TimeErrorCode.UnknownZone }));
  });
});
