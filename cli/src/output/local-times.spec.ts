import { describe, expect, it } from 'vitest';
import { localRangePerRegion, localTime, timeHere, utcTime, zoneOfRegion } from './local-times';

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

describe("an instant in this machine's zone", () => {
  it('is shown in the zone TZ names, else the system\'s, with its offset', () => {
    expect(timeHere('2026-06-15T20:00:00Z', { TZ: 'Asia/Tehran' }, 'Europe/Berlin')).toBe('2026-06-15 23:30 Asia/Tehran (+03:30) here');
    expect(timeHere('2026-06-15T20:00:00Z', {}, 'Europe/Berlin')).toBe('2026-06-15 22:00 Europe/Berlin (+02:00) here');
  });

  it('falls back to UTC, naming TZ, when TZ names no zone: Node then keeps UTC and knows no zone name', () => {
    expect(timeHere('2026-12-07T17:14:00Z', { TZ: 'Asia/Tehrn' }, undefined)).toBe('2026-12-07 17:14 UTC: TZ Asia/Tehrn is not an IANA time zone such as Europe/Berlin');
    // TZ set empty is UTC to Node and "Etc/Unknown" to Intl: UTC, with nothing wrong to name.
    expect(timeHere('2026-12-07T17:14:00Z', { TZ: '' }, 'Etc/Unknown')).toBe('2026-12-07 17:14 UTC here');
  });

  it("falls back to UTC for an abbreviation, naming the zone ICU reads it as, as the services refuse one: it may not be the writer's (BST is Dhaka)", () => {
    expect(timeHere('2026-12-07T17:14:00Z', { TZ: 'PST' }, 'America/Los_Angeles')).toBe(
      '2026-12-07 17:14 UTC: TZ PST is an abbreviation, not an IANA time zone name: ICU reads it as America/Los_Angeles; set TZ to that, or to the zone you meant',
    );
    expect(timeHere('2026-12-07T17:14:00Z', { TZ: 'BST' }, 'Asia/Dhaka')).toBe('2026-12-07 17:14 UTC: TZ BST is an abbreviation, not an IANA time zone name: ICU reads it as Asia/Dhaka; set TZ to that, or to the zone you meant');
    expect(timeHere('2026-12-07T17:14:00Z', { TZ: 'EST5EDT' }, 'America/New_York')).toBe(
      '2026-12-07 17:14 UTC: TZ EST5EDT is a legacy name, not an IANA time zone name: ICU reads it as America/New_York; set TZ to that, or to the zone you meant',
    );
    // tzdb's names for UTC read as no other place: shown as UTC, as the planner takes them.
    expect(timeHere('2026-12-07T17:14:00Z', { TZ: 'GMT' }, 'UTC')).toBe('2026-12-07 17:14 UTC here');
    expect(timeHere('2026-12-07T17:14:00Z', { TZ: 'Etc/GMT-1' }, undefined)).toBe('2026-12-07 18:14 Etc/GMT-1 (+01:00) here');
  });
});
