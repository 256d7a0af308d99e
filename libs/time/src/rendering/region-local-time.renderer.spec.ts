import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { TimeErrorCode } from '../errors/time.error';
import { ALL_ZONES } from '../testing/dst-transitions.fixture';
import { wallClockToInstant } from '../zones/wall-clock';
import { formatOffset, renderLocalTimes } from './region-local-time.renderer';

const HOUR = 3_600_000;
const hourFrom = (start: Date) => ({ start, end: new Date(start.getTime() + HOUR) });

describe('rendering a slot in regions’ local time', () => {
  it('June 2009: 14:00 America/Los_Angeles is 01:30 in Tehran (UTC+04:30, summer time then)', () => {
    const slot = hourFrom(wallClockToInstant('2009-06-15T14:00', 'America/Los_Angeles'));
    expect(slot.start.toISOString()).toBe('2009-06-15T21:00:00.000Z');
    expect(renderLocalTimes(slot, [{ region: 'IR', zones: ['Asia/Tehran'] }])).toEqual([
      {
        region: 'IR',
        zone: 'Asia/Tehran',
        localStart: '2009-06-16T01:30',
        localEnd: '2009-06-16T02:30',
        offset: '+04:30',
        endOffset: '+04:30',
        label: '01:30–02:30 Asia/Tehran (UTC+04:30)',
      },
    ]);
  });

  it('June 2026: the same wall clock is 00:30 in Tehran (UTC+03:30, Iran dropped summer time after 2022)', () => {
    const slot = hourFrom(wallClockToInstant('2026-06-15T14:00', 'America/Los_Angeles'));
    const [tehran] = renderLocalTimes(slot, [{ region: 'IR', zones: ['Asia/Tehran'] }]);
    expect(tehran.localStart).toBe('2026-06-16T00:30');
    expect(tehran.offset).toBe('+03:30');
    expect(tehran.label).toBe('00:30–01:30 Asia/Tehran (UTC+03:30)');
  });

  it('renders half-hour and 45-minute zones, every zone of a multi-zone region, and day changes', () => {
    const slot = { start: new Date('2026-06-15T21:00:00Z'), end: new Date('2026-06-15T23:00:00Z') };
    const rendered = renderLocalTimes(slot, [
      { region: 'NP', zones: ['Asia/Kathmandu'] },
      { region: 'AU', zones: ['Australia/Adelaide', 'Australia/Sydney'] },
      { region: 'IN', zones: ['Asia/Kolkata'] },
      { region: 'US', zones: ['America/Los_Angeles'] },
    ]);
    expect(rendered.map((r) => r.label)).toEqual([
      '02:45–04:45 Asia/Kathmandu (UTC+05:45)',
      '06:30–08:30 Australia/Adelaide (UTC+09:30)',
      '07:00–09:00 Australia/Sydney (UTC+10:00)',
      '02:30–04:30 Asia/Kolkata (UTC+05:30)',
      '14:00–16:00 America/Los_Angeles (UTC-07:00)',
    ]);
    const night = renderLocalTimes({ start: new Date('2026-01-10T22:30:00Z'), end: new Date('2026-01-11T00:30:00Z') }, [{ region: 'GB', zones: ['Europe/London'] }]);
    expect(night[0].label).toBe('22:30–00:30 (+1d) Europe/London (UTC+00:00)');
  });

  it('shows both offsets when the slot crosses a DST change', () => {
    const slot = { start: new Date('2026-04-04T15:00:00Z'), end: new Date('2026-04-04T18:00:00Z') };
    const [adelaide] = renderLocalTimes(slot, [{ region: 'AU-SA', zones: ['Australia/Adelaide'] }]);
    expect(adelaide).toMatchObject({ localStart: '2026-04-05T01:30', localEnd: '2026-04-05T03:30', offset: '+10:30', endOffset: '+09:30' });
    expect(adelaide.label).toBe('01:30–03:30 Australia/Adelaide (UTC+10:30→UTC+09:30)');
  });

  it('refuses an unknown zone by name', () => {
    expect(() => renderLocalTimes(hourFrom(new Date(0)), [{ region: 'XX', zones: ['Asia/Teheran'] }])).toThrow(
      expect.objectContaining({ code: TimeErrorCode.UnknownZone, message: expect.stringContaining('Asia/Teheran') }),
    );
  });

  it('formats negative, half-hour and 45-minute offsets', () => {
    expect([-9.5, -3.5, 0, 5.75, 12.75].map((hours) => formatOffset(hours * HOUR))).toEqual(['-09:30', '-03:30', '+00:00', '+05:45', '+12:45']);
  });

  it('agrees with luxon for any instant in 2009 and 2026 in every IANA zone (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL_ZONES),
        fc.oneof(fc.integer({ min: Date.UTC(2009, 0, 1), max: Date.UTC(2010, 0, 1) }), fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) })),
        fc.integer({ min: 1, max: 48 * 60 }),
        (zone, start, minutes) => {
          const slot = { start: new Date(start), end: new Date(start + minutes * 60_000) };
          const [rendered] = renderLocalTimes(slot, [{ region: 'R', zones: [zone] }]);
          const luxonStart = DateTime.fromJSDate(slot.start, { zone });
          const luxonEnd = DateTime.fromJSDate(slot.end, { zone });
          expect(rendered.localStart).toBe(luxonStart.toFormat("yyyy-MM-dd'T'HH:mm"));
          expect(rendered.localEnd).toBe(luxonEnd.toFormat("yyyy-MM-dd'T'HH:mm"));
          expect(rendered.offset).toBe(luxonStart.toFormat('ZZ'));
          expect(rendered.endOffset).toBe(luxonEnd.toFormat('ZZ'));
          expect(rendered.label).toContain(`${rendered.localStart.slice(11)}–${rendered.localEnd.slice(11)}`);
        },
      ),
      { numRuns: 500 },
    );
  });
});
