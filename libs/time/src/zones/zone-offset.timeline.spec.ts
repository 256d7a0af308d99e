import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_ZONES, TRANSITIONS_2009_2026 } from '../testing/dst-transitions.fixture';
import { zoneOffsetLookup } from './iana-zone';
import { resolveWallClock } from './wall-clock';
import { ZoneOffsetTimeline } from './zone-offset.timeline';

const DAY = 86_400_000;

describe('ZoneOffsetTimeline', () => {
  it.each(TRANSITIONS_2009_2026.map((t) => [`${t.zone} ${new Date(t.at).toISOString()}`, t] as const))('finds the change at %s to the second', (_name, transition) => {
    const timeline = ZoneOffsetTimeline.build(transition.zone, transition.at - 5 * DAY, transition.at + 5 * DAY);
    expect(timeline.nextChangeAfter(transition.at - 5 * DAY)).toBe(transition.at);
    expect(timeline.offsetAt(transition.at - 1)).toBe(transition.before);
    expect(timeline.offsetAt(transition.at)).toBe(transition.after);
  });

  it('agrees with the tz data on offsets and wall-clock resolution anywhere in its range (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_ZONES),
        fc.constantFrom(2009, 2026),
        fc.integer({ min: 0, max: 350 }),
        fc.array(fc.integer({ min: 0, max: 16 * DAY }), { minLength: 1, maxLength: 20 }),
        (zone, year, startDay, probes) => {
          const from = Date.UTC(year, 0, 1) + startDay * DAY;
          const timeline = ZoneOffsetTimeline.build(zone, from, from + 14 * DAY);
          const direct = zoneOffsetLookup(zone);
          for (const probe of probes) {
            const at = from - DAY + probe;
            expect(timeline.offsetAt(at)).toBe(direct(at));
            expect(timeline.toInstant(at)).toBe(resolveWallClock(at, direct));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('falls back to the tz data outside its range', () => {
    const timeline = ZoneOffsetTimeline.build('Asia/Tehran', Date.UTC(2026, 5, 1), Date.UTC(2026, 5, 2));
    expect(timeline.offsetAt(Date.UTC(2009, 5, 15))).toBe(4.5 * 3_600_000);
    expect(timeline.offsetAt(Date.UTC(2026, 5, 15))).toBe(3.5 * 3_600_000);
  });
});
