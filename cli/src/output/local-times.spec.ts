import { describe, expect, it } from 'vitest';
import { localRangePerRegion, zoneOfRegion } from './local-times';

describe('local time ranges per region', () => {
  it("gives the end its own offset, which across a DST change is not the start's", () => {
    const zoneOf = () => 'Europe/London';
    expect(localRangePerRegion(['GB'], '2026-03-28T22:00:00Z', '2026-03-29T03:00:00Z', zoneOf)).toEqual(['GB 2026-03-28 22:00 Europe/London (+00:00) - 2026-03-29 04:00 (+01:00)']);
    expect(localRangePerRegion(['GB'], '2026-03-28T22:00:00Z', null, zoneOf)).toEqual(['GB 2026-03-28 22:00 Europe/London (+00:00) - open']);
  });

  it('falls back to a country\'s one zone, and to UTC for a country of several rather than the first of them', () => {
    expect(['IR', 'GB', 'US', 'AU', 'RU', 'zz-custom'].map(zoneOfRegion)).toEqual(['Asia/Tehran', 'Europe/London', 'UTC', 'UTC', 'UTC', 'UTC']);
  });
});
