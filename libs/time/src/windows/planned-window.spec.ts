import { describe, expect, it } from 'vitest';
import { TimeErrorCode } from '../errors/time.error';
import { renderInZone } from '../rendering/region-local-time.renderer';
import { TRANSITIONS_2009_2026 } from '../testing/dst-transitions.fixture';
import { instantToWallClock } from '../zones/wall-clock';
import { planWindow, planWindowFromLocal, rangesOverlap } from './planned-window';

const HOUR = 3_600_000;

describe('planned windows', () => {
  it('keeps the instants and the zone, never an offset', () => {
    const window = planWindow({ start: new Date('2026-06-15T21:00:00Z'), end: new Date('2026-06-15T22:00:00Z'), zone: 'America/Los_Angeles' });
    expect(Object.keys(window).sort()).toEqual(['end', 'start', 'zone']);
    expect(Object.isFrozen(window)).toBe(true);
  });

  it('refuses an unknown zone by name and an empty or reversed range', () => {
    expect(() => planWindow({ start: new Date(0), end: new Date(HOUR), zone: 'Europe/Berlinn' })).toThrow(
      expect.objectContaining({ code: TimeErrorCode.UnknownZone, message: expect.stringContaining('Europe/Berlinn') }),
    );
    expect(() => planWindow({ start: new Date(HOUR), end: new Date(HOUR), zone: 'UTC' })).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidRange }));
    expect(() => planWindow({ start: new Date(Number.NaN), end: new Date(HOUR), zone: 'UTC' })).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidRange }));
    expect(() => planWindowFromLocal({ localStart: '2026-03-29T01:00', durationMinutes: 0, zone: 'UTC' })).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidRange }));
  });

  it('a 4-hour window lasts 4 real hours on the spring-forward day (01:00–06:00 CEST in Berlin)', () => {
    const window = planWindowFromLocal({ localStart: '2026-03-29T01:00', durationMinutes: 240, zone: 'Europe/Berlin' });
    expect(window.end.getTime() - window.start.getTime()).toBe(4 * HOUR);
    expect(renderInZone(window, 'DE', 'Europe/Berlin').label).toBe('01:00–06:00 Europe/Berlin (UTC+01:00→UTC+02:00)');
  });

  it('a 4-hour window lasts 4 real hours on the fall-back day (01:00–04:00 CET in Berlin)', () => {
    const window = planWindowFromLocal({ localStart: '2026-10-25T01:00', durationMinutes: 240, zone: 'Europe/Berlin' });
    expect(window.end.getTime() - window.start.getTime()).toBe(4 * HOUR);
    expect(instantToWallClock(window.end, 'Europe/Berlin')).toBe('2026-10-25T04:00');
  });

  it.each(TRANSITIONS_2009_2026.map((t) => [`${t.zone} ${new Date(t.at).toISOString()}`, t] as const))(
    'a 4-hour window across %s lasts 4 real hours and its local span absorbs the jump',
    (_name, transition) => {
      const start = new Date(transition.at - 2 * HOUR);
      const localStart = instantToWallClock(start, transition.zone);
      const window = planWindowFromLocal({ localStart, durationMinutes: 240, zone: transition.zone });
      expect(window.start.getTime()).toBe(start.getTime());
      expect(window.end.getTime() - window.start.getTime()).toBe(4 * HOUR);
      const localEnd = Date.parse(`${instantToWallClock(window.end, transition.zone)}Z`);
      expect(localEnd - Date.parse(`${localStart}Z`)).toBe(4 * HOUR + transition.after - transition.before);
    },
  );

  it('detects overlapping half-open ranges', () => {
    const a = { start: new Date(0), end: new Date(HOUR) };
    expect(rangesOverlap(a, { start: new Date(HOUR - 1), end: new Date(2 * HOUR) })).toBe(true);
    expect(rangesOverlap(a, { start: new Date(HOUR), end: new Date(2 * HOUR) })).toBe(false);
  });
});
