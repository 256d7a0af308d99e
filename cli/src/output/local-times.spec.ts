import { describe, expect, it } from 'vitest';
import { localRangePerRegion, localTime, utcTime, zoneOfRegion } from './local-times';

describe('local time ranges per region', () => {
  it("gives the end its own offset, which across a DST change is not the start's", () => {
    const zoneOf = () => 'Europe/London';
    expect(localRangePerRegion(['GB'], '2026-03-28T22:00:00Z', '2026-03-29T03:00:00Z', zoneOf)).toEqual(['GB 2026-03-28 22:00 Europe/London (+00:00) - 2026-03-29 04:00 (+01:00)']);
    expect(localRangePerRegion(['GB'], '2026-03-28T22:00:00Z', null, zoneOf)).toEqual(['GB 2026-03-28 22:00 Europe/London (+00:00) - open']);
  });

  it('writes a time in UTC with the zone alone, its offset being +00:00 all year, and keeps the offset of every other zone', () => {
    expect(utcTime('2026-06-14T20:00:00Z')).toBe('2026-06-14 20:00 UTC');
    expect(localTime('2026-01-14T20:00:00Z', 'Europe/London')).toBe('2026-01-14 20:00 Europe/London (+00:00)');
    expect(localRangePerRegion(['eu-west'], '2026-06-14T20:00:00Z', '2026-06-14T22:00:00Z', () => 'UTC')).toEqual(['eu-west 2026-06-14 20:00 UTC - 2026-06-14 22:00']);
  });

  it('falls back to a country\'s one zone, and to UTC for a country of several rather than the first of them', () => {
    expect(['IR', 'GB', 'US', 'AU', 'RU', 'zz-custom'].map(zoneOfRegion)).toEqual(['Asia/Tehran', 'Europe/London', 'UTC', 'UTC', 'UTC', 'UTC']);
  });
});
