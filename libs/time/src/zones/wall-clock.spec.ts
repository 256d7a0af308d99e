import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { TimeErrorCode } from '../errors/time.error';
import { ALL_ZONES, TRANSITIONS_2009_2026 } from '../testing/dst-transitions.fixture';
import { zoneOffsetLookup } from './iana-zone';
import { formatWallClock, instantToWallClock, parseWallClock, resolveWallClock, wallClockToInstant } from './wall-clock';

const MINUTE = 60_000;

describe('wall clock', () => {
  it('parses local date-times and refuses offsets, "Z" and impossible dates', () => {
    expect(formatWallClock(parseWallClock('2026-03-29T02:30'))).toBe('2026-03-29T02:30');
    expect(formatWallClock(parseWallClock('2024-02-29T23:59:59'), true)).toBe('2024-02-29T23:59:59');
    for (const text of ['2026-02-30T01:00', '2026-03-29T24:00', '2026-03-29T02:30Z', '2026-03-29T02:30+01:00', '0050-01-01T00:00', 'tomorrow']) {
      expect(() => parseWallClock(text), text).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidLocalTime }));
    }
  });

  describe('the DST rule', () => {
    it('shifts a start inside a spring-forward gap forward by the gap length (02:30 Berlin → 03:30 CEST)', () => {
      expect(wallClockToInstant('2026-03-29T02:30', 'Europe/Berlin').toISOString()).toBe('2026-03-29T01:30:00.000Z');
      expect(instantToWallClock(new Date('2026-03-29T01:30:00Z'), 'Europe/Berlin')).toBe('2026-03-29T03:30');
    });

    it('takes the earlier instant for a start inside a fall-back overlap (02:30 Berlin → 02:30 CEST)', () => {
      expect(wallClockToInstant('2026-10-25T02:30', 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
      expect(wallClockToInstant('2026-11-01T01:30', 'America/Los_Angeles').toISOString()).toBe('2026-11-01T08:30:00.000Z');
    });

    it('handles the 30-minute Lord Howe change and the 00:01 St John’s change of 2009', () => {
      expect(wallClockToInstant('2026-10-04T02:15', 'Australia/Lord_Howe').toISOString()).toBe('2026-10-03T15:45:00.000Z');
      expect(instantToWallClock(new Date('2026-10-03T15:45:00Z'), 'Australia/Lord_Howe')).toBe('2026-10-04T02:45');
      expect(wallClockToInstant('2009-10-31T23:30', 'America/St_Johns').toISOString()).toBe('2009-11-01T02:00:00.000Z');
      expect(wallClockToInstant('2009-11-01T00:30', 'America/St_Johns').toISOString()).toBe('2009-11-01T04:00:00.000Z');
    });

    it.each(TRANSITIONS_2009_2026.map((t) => [`${t.zone} ${new Date(t.at).toISOString()}`, t] as const))('applies the rule at %s', (_name, transition) => {
      const offsetAt = zoneOffsetLookup(transition.zone);
      const jump = Math.abs(transition.after - transition.before);
      const middle = transition.at + Math.min(transition.before, transition.after) + jump / 2;
      const resolved = resolveWallClock(middle, offsetAt);
      if (transition.after > transition.before) {
        // The wall clock in the middle of the gap never happens: it lands one gap length later.
        expect(resolved + offsetAt(resolved)).toBe(middle + jump);
        expect(resolved).toBe(middle - transition.before);
      } else {
        // It happens twice; the earlier one, still on the old offset, wins.
        expect(resolved).toBe(middle - transition.before);
        expect(resolved + transition.before).toBe(middle);
        expect(resolved + jump + offsetAt(resolved + jump)).toBe(middle);
      }
    });
  });

  it('round-trips every instant that is not the later half of an overlap, in every IANA zone (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_ZONES),
        fc.oneof(fc.integer({ min: Date.UTC(2009, 0, 1), max: Date.UTC(2010, 0, 1) }), fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) })),
        (zone, rawInstant) => {
          const instant = Math.floor(rawInstant / MINUTE) * MINUTE;
          const offsetAt = zoneOffsetLookup(zone);
          const wall = instant + offsetAt(instant);
          const resolved = resolveWallClock(wall, offsetAt);
          expect(resolved + offsetAt(resolved)).toBe(wall);
          expect(resolved).toBeLessThanOrEqual(instant);
          // Agrees with luxon's reading of the same instant.
          expect(formatWallClock(wall)).toBe(DateTime.fromMillis(instant, { zone }).toFormat("yyyy-MM-dd'T'HH:mm"));
        },
      ),
      { numRuns: 500 },
    );
  });
});
