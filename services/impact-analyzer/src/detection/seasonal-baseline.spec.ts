import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { TimeErrorCode } from '@holdfast/time';
import { HOURS_PER_WEEK, SeasonalBaseline, localHourOfWeek, localHoursOfWeekAhead } from './seasonal-baseline';

const HOUR = 60 * 60 * 1000;
/** Monday 2026-01-05 00:00 UTC. */
const MONDAY = Date.UTC(2026, 0, 5);
const weeklyShape = (hourOfWeek: number) => 100 + 50 * Math.sin((2 * Math.PI * (hourOfWeek % 24)) / 24) + (hourOfWeek >= 120 ? -40 : 0);

describe('localHourOfWeek', () => {
  it('counts from Monday 00:00 in the local zone', () => {
    expect(localHourOfWeek(new Date(MONDAY), 'UTC')).toBe(0);
    expect(localHourOfWeek(new Date(MONDAY - HOUR), 'UTC')).toBe(167);
    // 2026-01-04 20:30 UTC is Monday 00:00 in Tehran (UTC+3:30, no summer time since 2022).
    expect(localHourOfWeek(new Date('2026-01-04T20:30:00Z'), 'Asia/Tehran')).toBe(0);
    expect(localHourOfWeek(new Date('2026-01-04T18:15:00Z'), 'Asia/Kathmandu')).toBe(0);
  });

  it('follows daylight saving time: the same UTC hour is a different local hour across the change', () => {
    // New York moves to UTC-4 on Sunday 2026-03-08.
    expect(localHourOfWeek(new Date('2026-03-02T14:00:00Z'), 'America/New_York')).toBe(9);
    expect(localHourOfWeek(new Date('2026-03-09T14:00:00Z'), 'America/New_York')).toBe(10);
  });
});

describe('localHourOfWeek against luxon', () => {
  it('agrees with luxon at any instant in any zone, across daylight saving changes', () => {
    const zones = ['UTC', 'Asia/Tehran', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Europe/London', 'America/Sao_Paulo'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.array(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), { minLength: 1, maxLength: 40 }), (zone, instants) => {
        // Sorted and close together, as a series asks, so the cached offset span is exercised too.
        for (const ms of instants.sort((a, b) => a - b).flatMap((t) => [t, t + 7 * 60_000, t + 3 * HOUR])) {
          const local = DateTime.fromMillis(ms, { zone });
          expect(localHourOfWeek(new Date(ms), zone)).toBe((local.weekday - 1) * 24 + local.hour);
        }
      }),
      { numRuns: 80 },
    );
  });

  it('switches hour exactly at a daylight saving change, minute by minute', () => {
    const changes: [string, string][] = [
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Europe/London', '2026-03-29T01:00:00Z'],
    ];
    for (const [zone, change] of changes) {
      for (let minute = -400; minute <= 400; minute++) {
        const ms = Date.parse(change) + minute * 60_000;
        const local = DateTime.fromMillis(ms, { zone });
        expect(localHourOfWeek(new Date(ms), zone)).toBe((local.weekday - 1) * 24 + local.hour);
      }
    }
  });
});

describe('localHoursOfWeekAhead', () => {
  it('gives what localHourOfWeek gives at each step, across DST changes and half-hour zones', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Europe/Berlin', 'America/Sao_Paulo', 'Asia/Tehran', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC'),
        // Any start in 2025-2027, so some weeks hold a change of offset.
        fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2027, 11, 1) }),
        fc.constantFrom(5 * 60_000, 15 * 60_000, 60 * 60_000),
        (zone, fromMs, stepMs) => {
          const count = Math.floor((7 * 86_400_000) / stepMs);
          const expected = Array.from({ length: count }, (_, k) => localHourOfWeek(fromMs + (k + 1) * stepMs, zone));
          const hourAt = localHoursOfWeekAhead(fromMs, stepMs, count, zone);
          expect(Array.from({ length: count }, (_, k) => hourAt(k + 1))).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds across the spring-forward week in Berlin', () => {
    const fromMs = Date.UTC(2026, 2, 27);
    const hourAt = localHoursOfWeekAhead(fromMs, 3_600_000, 72, 'Europe/Berlin');
    expect(Array.from({ length: 72 }, (_, k) => hourAt(k + 1))).toEqual(Array.from({ length: 72 }, (_, k) => localHourOfWeek(fromMs + (k + 1) * 3_600_000, 'Europe/Berlin')));
  });
});

describe('SeasonalBaseline', () => {
  it('learns an hour-of-week profile and exports it in the shared contract', () => {
    const baseline = new SeasonalBaseline('UTC');
    for (let h = 0; h < 6 * HOURS_PER_WEEK; h++) baseline.learn(new Date(MONDAY + h * HOUR), weeklyShape(h % HOURS_PER_WEEK));
    const profile = baseline.toHourOfWeekBaseline('eu-west');
    expect(profile).toMatchObject({ region: 'eu-west', zone: 'UTC' });
    expect(profile.values).toHaveLength(168);
    for (let i = 0; i < HOURS_PER_WEEK; i++) expect(Math.abs(profile.values[i]! - weeklyShape(i))).toBeLessThan(5);
    expect(baseline.expect(new Date(MONDAY + 130 * HOUR)).support).toBe('hour-of-week');
  });

  it('indexes the exported profile by local hour in the region zone', () => {
    const baseline = new SeasonalBaseline('Asia/Tehran');
    baseline.learn(new Date('2026-01-04T21:00:00Z'), 42); // Monday 00:30 in Tehran
    const { values, zone } = baseline.toHourOfWeekBaseline('IR');
    expect(zone).toBe('Asia/Tehran');
    expect(values[0]).toBe(42);
    // Hour-of-day fallback fills the same local hour on other days; other hours are not learned yet.
    expect(values[24]).toBe(42);
    expect(values[1]).toBeNull();
  });

  it('reports nothing learned before the first sample', () => {
    const baseline = new SeasonalBaseline('UTC');
    expect(baseline.expect(new Date(MONDAY)).support).toBe('none');
    expect(baseline.toHourOfWeekBaseline('x').values.every((v) => v === null)).toBe(true);
  });

  it('falls back to hour of day and then the global level while finer buckets are sparse', () => {
    const baseline = new SeasonalBaseline('UTC');
    // Five weekdays of a daily shape: hour-of-day buckets learn, Saturday's hour-of-week buckets stay empty.
    for (let h = 0; h < 5 * 24; h++) baseline.learn(new Date(MONDAY + h * HOUR), h % 24 < 12 ? 10 : 50);
    const saturdayMorning = baseline.expect(new Date(MONDAY + (5 * 24 + 3) * HOUR));
    const saturdayEvening = baseline.expect(new Date(MONDAY + (5 * 24 + 15) * HOUR));
    expect(saturdayMorning.support).toBe('hour-of-day');
    expect(saturdayEvening.support).toBe('hour-of-day');
    expect(saturdayMorning.expected).toBeLessThan(15);
    expect(saturdayEvening.expected).toBeGreaterThan(45);
    // An hour of day never seen falls back to the global level, between the two.
    const unseen = new SeasonalBaseline('UTC');
    for (let h = 0; h < 12; h++) unseen.learn(new Date(MONDAY + h * HOUR), h % 2 ? 10 : 50);
    expect(unseen.expect(new Date(MONDAY + 15 * HOUR))).toMatchObject({ support: 'global' });
    expect(unseen.expect(new Date(MONDAY + 15 * HOUR)).expected).toBeCloseTo(30, -1);
  });

  it('barely moves on an outlier (Huber clipping)', () => {
    const baseline = new SeasonalBaseline('UTC');
    for (let h = 0; h < 4 * HOURS_PER_WEEK; h++) baseline.learn(new Date(MONDAY + h * HOUR), 100 + (h % 3) - 1);
    const at = new Date(MONDAY + 4 * HOURS_PER_WEEK * HOUR);
    const before = baseline.expect(at).expected;
    baseline.learn(at, 100_000);
    expect(Math.abs(baseline.expect(at).expected - before)).toBeLessThan(5);
  });

  it('remembers whole hours whatever the sample spacing: an hour rising steadily is learned as its average, not its last minutes', () => {
    const rising = (ms: number) => 100 + (ms % HOUR) / 60_000;
    for (const spacing of [15_000, 60_000, 5 * 60_000]) {
      const baseline = new SeasonalBaseline('UTC', undefined, Math.max(1, (5 * 60_000) / spacing));
      for (let ms = MONDAY; ms < MONDAY + 3 * HOURS_PER_WEEK * HOUR; ms += spacing) baseline.learn(new Date(ms), rising(ms));
      // Minutes 0-59 rise from 100 to 159: their average is about 130; the last few minutes, over 155.
      for (const hour of [0, 9, 100]) expect(Math.abs(baseline.toHourOfWeekBaseline('x').values[hour]! - 130)).toBeLessThan(8);
    }
  });

  it('keeps a positive scale on a perfectly flat series (noise floors)', () => {
    const baseline = new SeasonalBaseline('UTC');
    for (let h = 0; h < 500; h++) baseline.learn(new Date(MONDAY + h * HOUR), 45);
    const { expected, scale } = baseline.expect(new Date(MONDAY + 500 * HOUR));
    expect(expected).toBe(45);
    expect(scale).toBeGreaterThanOrEqual(Math.sqrt(45));
  });

  it('gives counts their Poisson noise floor, and measured values (a cost per click) only their own spread', () => {
    const counts = new SeasonalBaseline('UTC');
    const costs = new SeasonalBaseline('UTC');
    for (let h = 0; h < 500; h++) {
      counts.learn(new Date(MONDAY + h * HOUR), h % 10 === 0 ? 1 : 0);
      costs.learn(new Date(MONDAY + h * HOUR), 0.1 + 0.02 * Math.sin(h));
    }
    const at = new Date(MONDAY + 500 * HOUR);
    // One event more than usual is noise for a count near zero ...
    expect(counts.expect(at).scale).toBeGreaterThanOrEqual(0.5);
    // ... while a cost of 0.1 that varies by 0.02 is judged on that variation.
    expect(costs.expect(at).scale).toBeLessThan(0.05);
    expect(costs.expect(at).scale).toBeGreaterThan(0);
  });

  it('loads state saved before it told counts from measured values, as counts', () => {
    const baseline = new SeasonalBaseline('UTC');
    for (let h = 0; h < 50; h++) baseline.learn(new Date(MONDAY + h * HOUR), 3);
    const { counts, dispersion, ...older } = baseline.toJSON();
    expect([counts, dispersion]).toEqual([true, 0]);
    const restored = SeasonalBaseline.fromJSON(older);
    expect(restored.expect(new Date(MONDAY + 50 * HOUR))).toEqual(baseline.expect(new Date(MONDAY + 50 * HOUR)));
  });

  it('round-trips through JSON with a version field', () => {
    const baseline = new SeasonalBaseline('Europe/Berlin');
    for (let h = 0; h < 300; h++) baseline.learn(new Date(MONDAY + h * HOUR), weeklyShape(h % HOURS_PER_WEEK));
    const json = JSON.parse(JSON.stringify(baseline));
    expect(json.version).toBe(1);
    const restored = SeasonalBaseline.fromJSON(json);
    const at = new Date(MONDAY + 301 * HOUR);
    expect(restored.expect(at)).toEqual(baseline.expect(at));
    expect(restored.toHourOfWeekBaseline('DE')).toEqual(baseline.toHourOfWeekBaseline('DE'));
    expect(() => SeasonalBaseline.fromJSON({ ...json, version: 2 })).toThrow(/version/);
  });

  it('refuses an unknown zone name instead of reading it as UTC', () => {
    expect(() => new SeasonalBaseline('Mars/Olympus_Mons')).toThrow(expect.objectContaining({ code: TimeErrorCode.UnknownZone, message: expect.stringContaining('Mars/Olympus_Mons') }));
  });

  it('exports 168 finite or null values whatever it learned', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.double({ min: -1e6, max: 1e6, noNaN: true })), { maxLength: 200 }), (samples) => {
        const baseline = new SeasonalBaseline('America/Sao_Paulo');
        for (const [h, value] of samples) baseline.learn(new Date(MONDAY + h * HOUR), value);
        const { values } = baseline.toHourOfWeekBaseline('BR');
        return values.length === 168 && values.every((v) => v === null || Number.isFinite(v));
      }),
    );
  });
});
