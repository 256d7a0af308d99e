import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeErrorCode } from '../errors/time.error';
import { TOUCHED_ZONES } from '../testing/dst-transitions.fixture';
import { instantToWallClock, wallClockToInstant } from '../zones/wall-clock';
import { isWithinLocalHours, parseLocalHours } from './allowed-local-hours';

const HOUR = 3_600_000;
const NIGHT = [{ from: '00:00', to: '05:00' }];
const slotAt = (local: string, zone: string, hours = 1) => {
  const start = wallClockToInstant(local, zone);
  return { start, end: new Date(start.getTime() + hours * HOUR) };
};

describe('allowed local hours', () => {
  it('accepts a slot inside 00:00-05:00 and refuses one that runs past 05:00', () => {
    expect(isWithinLocalHours(slotAt('2026-06-16T01:30', 'Asia/Tehran'), NIGHT, 'Asia/Tehran')).toBe(true);
    expect(isWithinLocalHours(slotAt('2026-06-16T04:30', 'Asia/Tehran'), NIGHT, 'Asia/Tehran')).toBe(false);
    expect(isWithinLocalHours(slotAt('2026-06-15T23:30', 'Asia/Tehran'), NIGHT, 'Asia/Tehran')).toBe(false);
  });

  it('wraps midnight (22:00-04:00) and joins adjacent ranges', () => {
    const wrap = [{ from: '22:00', to: '04:00' }];
    expect(isWithinLocalHours(slotAt('2026-06-15T23:00', 'Asia/Kathmandu', 4), wrap, 'Asia/Kathmandu')).toBe(true);
    expect(isWithinLocalHours(slotAt('2026-06-15T21:45', 'Asia/Kathmandu'), wrap, 'Asia/Kathmandu')).toBe(false);
    const split = [
      { from: '22:00', to: '24:00' },
      { from: '00:00', to: '04:00' },
    ];
    expect(isWithinLocalHours(slotAt('2026-06-15T23:00', 'Asia/Kolkata', 3), split, 'Asia/Kolkata')).toBe(true);
  });

  it('keeps a range edge at its real distance from midnight on DST days', () => {
    // Spring forward in Berlin: 00:00-05:00 local is only 4 real hours, and a 4-hour slot from midnight fits exactly.
    expect(isWithinLocalHours(slotAt('2026-03-29T00:00', 'Europe/Berlin', 4), NIGHT, 'Europe/Berlin')).toBe(true);
    expect(isWithinLocalHours(slotAt('2026-03-29T00:00', 'Europe/Berlin', 4.5), NIGHT, 'Europe/Berlin')).toBe(false);
    // Fall back: 00:00-05:00 local lasts 6 real hours.
    expect(isWithinLocalHours(slotAt('2026-10-25T00:00', 'Europe/Berlin', 6), NIGHT, 'Europe/Berlin')).toBe(true);
  });

  it.each([[[]], [[{ from: '05:00', to: '05:00' }]], [[{ from: '24:00', to: '05:00' }]], [[{ from: '1:00', to: '05:00' }]], [[{ from: '01:60', to: '05:00' }]]])(
    'refuses %j with an actionable message',
    (ranges) => {
      expect(() => parseLocalHours(ranges)).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidLocalHours }));
    },
  );

  it('agrees with a minute-by-minute reading of local time in every touched zone (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TOUCHED_ZONES),
        fc.oneof(fc.integer({ min: Date.UTC(2009, 0, 1), max: Date.UTC(2010, 0, 1) }), fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) })),
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 1, max: 23 }),
        (zone, rawStart, quarters, fromHour, length) => {
          const start = Math.floor(rawStart / (15 * 60_000)) * 15 * 60_000;
          const toHour = (fromHour + length) % 24;
          const ranges = [{ from: `${String(fromHour).padStart(2, '0')}:00`, to: `${String(toHour).padStart(2, '0')}:00` }];
          const slot = { start: new Date(start), end: new Date(start + quarters * 15 * 60_000) };
          // Away from DST changes, "inside" means every minute's local hour is in the range.
          const minutes = Array.from({ length: quarters * 15 }, (_, minute) => Number(instantToWallClock(new Date(start + minute * 60_000), zone).slice(11, 13)));
          const offsets = new Set([slot.start, slot.end].map((instant) => Date.parse(`${instantToWallClock(instant, zone)}Z`) - instant.getTime()));
          fc.pre(offsets.size === 1);
          const inRange = (hour: number) => (toHour > fromHour ? hour >= fromHour && hour < toHour : hour >= fromHour || hour < toHour);
          expect(isWithinLocalHours(slot, ranges, zone)).toBe(minutes.every(inRange));
        },
      ),
      { numRuns: 200 },
    );
  });
});
