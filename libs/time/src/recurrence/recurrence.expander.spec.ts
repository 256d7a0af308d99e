import fc from 'fast-check';
import { RecurrenceRuleSchema } from '@holdfast/contracts';
import { describe, expect, it } from 'vitest';
import { TimeErrorCode } from '../errors/time.error';
import { TOUCHED_ZONES, TRANSITIONS_2009_2026 } from '../testing/dst-transitions.fixture';
import { planWindow, planWindowFromLocal } from '../windows/planned-window';
import { instantToWallClock, parseWallClock, resolveWallClock } from '../zones/wall-clock';
import { zoneOffsetLookup } from '../zones/iana-zone';
import { expandOccurrences, readExdates } from './recurrence.expander';

const HOUR = 3_600_000;
const spring2026 = { from: new Date('2026-03-01T00:00:00Z'), until: new Date('2026-04-20T00:00:00Z') };

describe('recurrence expansion', () => {
  it('keeps a weekly 02:00 Europe/Berlin window at 02:00 local across the March change', () => {
    const window = planWindowFromLocal({ localStart: '2026-03-04T02:00', durationMinutes: 240, zone: 'Europe/Berlin', recurrence: { rrule: 'FREQ=WEEKLY' } });
    const { occurrences, truncated } = expandOccurrences(window, spring2026);
    expect(truncated).toBe(false);
    expect(occurrences.map((o) => instantToWallClock(o.start, 'Europe/Berlin'))).toEqual([
      '2026-03-04T02:00',
      '2026-03-11T02:00',
      '2026-03-18T02:00',
      '2026-03-25T02:00',
      '2026-04-01T02:00',
      '2026-04-08T02:00',
      '2026-04-15T02:00',
    ]);
    expect(occurrences[3].start.toISOString()).toBe('2026-03-25T01:00:00.000Z');
    expect(occurrences[4].start.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(occurrences.every((o) => o.end.getTime() - o.start.getTime() === 4 * HOUR)).toBe(true);
  });

  it('applies the gap rule on a Sunday 02:00 that does not exist, and the overlap rule on one that happens twice', () => {
    const window = planWindowFromLocal({ localStart: '2026-03-22T02:00', durationMinutes: 60, zone: 'Europe/Berlin', recurrence: { rrule: 'RRULE:FREQ=WEEKLY;BYDAY=SU' } });
    const march = expandOccurrences(window, { from: new Date('2026-03-28T00:00:00Z'), until: new Date('2026-03-30T00:00:00Z') });
    expect(march.occurrences.map((o) => instantToWallClock(o.start, 'Europe/Berlin'))).toEqual(['2026-03-29T03:00']);
    const october = expandOccurrences(window, { from: new Date('2026-10-24T00:00:00Z'), until: new Date('2026-10-26T00:00:00Z') });
    expect(october.occurrences.map((o) => o.start.toISOString())).toEqual(['2026-10-25T00:00:00.000Z']);
  });

  it('keeps a daily window planned at a 02:00 that does not exist at 02:00 on the days after', () => {
    // Pacific/Auckland went from 02:00 to 03:00 on 2009-09-27: the first occurrence moves, the others do not.
    const window = planWindowFromLocal({ localStart: '2009-09-27T02:00', durationMinutes: 60, zone: 'Pacific/Auckland', recurrence: { rrule: 'FREQ=DAILY;COUNT=3' } });
    const { occurrences } = expandOccurrences(window, { from: window.start, until: new Date('2009-10-01T00:00:00Z') });
    expect(occurrences.map((o) => instantToWallClock(o.start, 'Pacific/Auckland'))).toEqual(['2009-09-27T03:00', '2009-09-28T02:00', '2009-09-29T02:00']);
  });

  it('keeps a first start in the second pass of the fall-back hour where it was planned, and the weeks after at its local time', () => {
    // 2026-11-01T06:30Z is 01:30 EST, the second 01:30 of that night in New York (the first is 05:30Z, EDT).
    for (const minutes of [30, 120]) {
      const start = new Date('2026-11-01T06:30:00Z');
      const window = planWindow({ start, end: new Date(start.getTime() + minutes * 60_000), zone: 'America/New_York', recurrence: { rrule: 'FREQ=WEEKLY;COUNT=3' } });
      const { occurrences } = expandOccurrences(window, { from: start, until: new Date('2026-12-01T00:00:00Z') });
      expect(occurrences.map((o) => o.start.toISOString())).toEqual(['2026-11-01T06:30:00.000Z', '2026-11-08T06:30:00.000Z', '2026-11-15T06:30:00.000Z']);
    }
  });

  it('drops EXDATEs given as local wall clock or as instants', () => {
    const window = planWindowFromLocal({
      localStart: '2026-03-04T02:00',
      durationMinutes: 60,
      zone: 'Europe/Berlin',
      recurrence: { rrule: 'FREQ=WEEKLY;COUNT=4', exdates: ['2026-03-11T02:00', '2026-03-25T01:00:00Z'] },
    });
    const { occurrences } = expandOccurrences(window, spring2026);
    expect(occurrences.map((o) => instantToWallClock(o.start, 'Europe/Berlin'))).toEqual(['2026-03-04T02:00', '2026-03-18T02:00']);
  });

  describe('an EXDATE in the hour Berlin repeats on 2026-10-25 (02:30 is 00:30Z in CEST, then 01:30Z in CET)', () => {
    const runs = (window: ReturnType<typeof planWindow>) =>
      expandOccurrences(window, { from: window.start, until: new Date('2026-10-28T00:00:00Z') }).occurrences.map((o) => o.start.toISOString().slice(0, 16));
    const hourly = (exdates: string[]) =>
      runs(planWindowFromLocal({ localStart: '2026-10-25T01:30', durationMinutes: 30, zone: 'Europe/Berlin', recurrence: { rrule: 'FREQ=HOURLY;COUNT=4', exdates } }));

    it('removes one hourly run: written locally the first, with Z the instant it names', () => {
      expect(hourly([])).toEqual(['2026-10-24T23:30', '2026-10-25T00:30', '2026-10-25T01:30', '2026-10-25T02:30']);
      // RFC 5545: a local DATE-TIME the zone reads twice names its first occurrence.
      expect(hourly(['2026-10-25T02:30'])).toEqual(['2026-10-24T23:30', '2026-10-25T01:30', '2026-10-25T02:30']);
      expect(hourly(['2026-10-25T01:30:00Z'])).toEqual(['2026-10-24T23:30', '2026-10-25T00:30', '2026-10-25T02:30']);
      expect(hourly(['2026-10-25T02:30', '2026-10-25T01:30:00Z'])).toEqual(['2026-10-24T23:30', '2026-10-25T02:30']);
    });

    it('removes a daily run at the first 02:30 when written locally, and only at the instant named with Z', () => {
      const daily = (exdates: string[]) =>
        runs(planWindowFromLocal({ localStart: '2026-10-24T02:30', durationMinutes: 30, zone: 'Europe/Berlin', recurrence: { rrule: 'FREQ=DAILY;COUNT=3', exdates } }));
      // A daily 02:30 runs once that night, at the earlier instant: the one a local EXDATE names.
      expect(daily([])).toEqual(['2026-10-24T00:30', '2026-10-25T00:30', '2026-10-26T01:30']);
      expect(daily(['2026-10-25T02:30'])).toEqual(['2026-10-24T00:30', '2026-10-26T01:30']);
      expect(daily(['2026-10-25T01:30:00Z'])).toEqual(['2026-10-24T00:30', '2026-10-25T00:30', '2026-10-26T01:30']);
      // A first run planned in the second 02:30 is not the one a local EXDATE names; its instant with Z removes it.
      const second = (exdates: string[]) =>
        runs(planWindow({ start: new Date('2026-10-25T01:30:00Z'), end: new Date('2026-10-25T02:00:00Z'), zone: 'Europe/Berlin', recurrence: { rrule: 'FREQ=DAILY;COUNT=2', exdates } }));
      expect(second(['2026-10-25T02:30'])).toEqual(['2026-10-25T01:30', '2026-10-26T01:30']);
      expect(second(['2026-10-25T01:30:00Z'])).toEqual(['2026-10-26T01:30']);
    });
  });

  it('removes a run a spring-forward gap shifted by the local time it is shown at, as by the one its rule names', () => {
    const weekly = (localStart: string, zone: string, exdates: string[]) =>
      expandOccurrences(planWindowFromLocal({ localStart, durationMinutes: 30, zone, recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SU;COUNT=3', exdates } }), spring2026).occurrences.map((o) =>
        instantToWallClock(o.start, zone),
      );
    // Berlin 2026-03-29: 02:30 does not exist, the run is at 03:30 CEST (01:30Z), as the API, page and feed show it.
    expect(weekly('2026-03-22T02:30', 'Europe/Berlin', [])).toEqual(['2026-03-22T02:30', '2026-03-29T03:30', '2026-04-05T02:30']);
    for (const exdate of ['2026-03-29T03:30', '2026-03-29T02:30', '2026-03-29T01:30:00Z']) {
      expect(weekly('2026-03-22T02:30', 'Europe/Berlin', [exdate])).toEqual(['2026-03-22T02:30', '2026-04-05T02:30']);
    }
    // Lord Howe moves its clock by half an hour: on 2026-10-04 a 02:15 run is shown at 02:45.
    const lordHowe = (exdates: string[]) =>
      expandOccurrences(
        planWindowFromLocal({ localStart: '2026-09-27T02:15', durationMinutes: 30, zone: 'Australia/Lord_Howe', recurrence: { rrule: 'FREQ=WEEKLY;COUNT=3', exdates } }),
        { from: new Date('2026-09-20T00:00:00Z'), until: new Date('2026-10-20T00:00:00Z') },
      ).occurrences.map((o) => instantToWallClock(o.start, 'Australia/Lord_Howe'));
    expect(lordHowe([])).toEqual(['2026-09-27T02:15', '2026-10-04T02:45', '2026-10-11T02:15']);
    expect(lordHowe(['2026-10-04T02:45'])).toEqual(['2026-09-27T02:15', '2026-10-11T02:15']);
  });

  it('bounds a daily-or-longer rule by a "Z" UNTIL as the instant it is, across both changes', () => {
    const weekly = (localStart: string, until: string) =>
      expandOccurrences(planWindowFromLocal({ localStart, durationMinutes: 30, zone: 'Europe/Berlin', recurrence: { rrule: `FREQ=WEEKLY;BYDAY=SU;UNTIL=${until}` } }), {
        from: new Date('2026-03-01T00:00:00Z'),
        until: new Date('2026-12-01T00:00:00Z'),
      }).occurrences.map((o) => o.start.toISOString().slice(0, 16));
    // Fall-back: the 10-25 run starts at 00:30Z (02:30 CEST), before 01:00Z, though its wall clock is after 02:00 CET.
    expect(weekly('2026-10-18T02:30', '20261025T010000Z')).toEqual(['2026-10-18T00:30', '2026-10-25T00:30']);
    expect(weekly('2026-10-18T02:30', '20261025T003000Z')).toEqual(['2026-10-18T00:30', '2026-10-25T00:30']);
    expect(weekly('2026-10-18T02:30', '20261025T002959Z')).toEqual(['2026-10-18T00:30']);
    // Spring-forward: the 03-29 run is shifted to 03:30 CEST (01:30Z), after 01:10Z, though 02:30 is before 03:10.
    expect(weekly('2026-03-22T02:30', '20260329T011000Z')).toEqual(['2026-03-22T01:30']);
    expect(weekly('2026-03-22T02:30', '20260329T013000Z')).toEqual(['2026-03-22T01:30', '2026-03-29T01:30']);
  });

  it('reads rule values case-insensitively, as RFC 5545 says', () => {
    const window = planWindowFromLocal({ localStart: '2026-03-04T02:00', durationMinutes: 60, zone: 'Europe/Berlin', recurrence: { rrule: 'rrule:freq=weekly;byday=su,we;count=3' } });
    expect(expandOccurrences(window, spring2026).occurrences.map((o) => instantToWallClock(o.start, 'Europe/Berlin'))).toEqual([
      '2026-03-04T02:00',
      '2026-03-08T02:00',
      '2026-03-11T02:00',
    ]);
  });

  it('reads a "Z" UNTIL as an instant', () => {
    const window = planWindowFromLocal({ localStart: '2026-03-04T02:00', durationMinutes: 60, zone: 'Asia/Tehran', recurrence: { rrule: 'FREQ=DAILY;UNTIL=20260305T223000Z' } });
    const { occurrences } = expandOccurrences(window, spring2026);
    // 2026-03-06T02:00 Tehran is 2026-03-05T22:30Z: included, the next one is not.
    expect(occurrences.map((o) => o.start.toISOString())).toEqual(['2026-03-03T22:30:00.000Z', '2026-03-04T22:30:00.000Z', '2026-03-05T22:30:00.000Z']);
  });

  it('reads a date UNTIL as the whole of that local day, so a run later that day is its last', () => {
    for (const localStart of ['2026-03-15T02:00', '2026-03-15T00:00', '2026-03-15T23:30']) {
      const window = planWindowFromLocal({ localStart, durationMinutes: 30, zone: 'Europe/Berlin', recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SU;UNTIL=20260405' } });
      const days = expandOccurrences(window, spring2026).occurrences.map((o) => instantToWallClock(o.start, 'Europe/Berlin').slice(0, 10));
      expect(days, localStart).toEqual(['2026-03-15', '2026-03-22', '2026-03-29', '2026-04-05']);
    }
  });

  it('runs an hourly rule every hour of elapsed time through both DST changes, in New York and in Berlin', () => {
    const hourly = (zone: string, localStart: string, rrule = 'FREQ=HOURLY') => {
      const window = planWindowFromLocal({ localStart, durationMinutes: 30, zone, recurrence: { rrule } });
      return expandOccurrences(window, { from: window.start, until: new Date(window.start.getTime() + 6 * HOUR) }).occurrences.map((o) => o.start.toISOString().slice(0, 16));
    };
    const everyHourFrom = (start: string) => Array.from({ length: 6 }, (_, hour) => new Date(Date.parse(`${start}Z`) + hour * HOUR).toISOString().slice(0, 16));
    // New York falls back 02:00 EDT -> 01:00 EST on 2026-11-01 (the 01:00 hour twice), and springs forward 02:00 -> 03:00 on 2026-03-08.
    expect(hourly('America/New_York', '2026-10-31T23:00')).toEqual(everyHourFrom('2026-11-01T03:00'));
    expect(hourly('America/New_York', '2026-03-07T23:00')).toEqual(everyHourFrom('2026-03-08T04:00'));
    // Berlin falls back 03:00 CEST -> 02:00 CET on 2026-10-25, and springs forward 02:00 -> 03:00 on 2026-03-29.
    expect(hourly('Europe/Berlin', '2026-10-24T23:30')).toEqual(everyHourFrom('2026-10-24T21:30'));
    expect(hourly('Europe/Berlin', '2026-03-28T23:30')).toEqual(everyHourFrom('2026-03-28T22:30'));
    // The repeated hour is read twice on the wall clock: 01:00 EDT and 01:00 EST are both 01:00.
    const fallBack = planWindowFromLocal({ localStart: '2026-11-01T00:00', durationMinutes: 30, zone: 'America/New_York', recurrence: { rrule: 'FREQ=HOURLY;COUNT=4' } });
    expect(expandOccurrences(fallBack, { from: fallBack.start, until: new Date('2026-11-02T00:00:00Z') }).occurrences.map((o) => instantToWallClock(o.start, 'America/New_York'))).toEqual([
      '2026-11-01T00:00',
      '2026-11-01T01:00',
      '2026-11-01T01:00',
      '2026-11-01T02:00',
    ]);
    // Every two hours stays two hours apart, so its local hours move by one after a change.
    expect(hourly('America/New_York', '2026-10-31T22:00', 'FREQ=HOURLY;INTERVAL=2').slice(0, 3)).toEqual(['2026-11-01T02:00', '2026-11-01T04:00', '2026-11-01T06:00']);
  });

  it('keeps an hourly rule INTERVAL hours of elapsed time apart across every change of the touched zones (property)', () => {
    // Lord Howe's changes move its clock by half an hour: its runs stay an hour apart too (before, two came 30 or 90 minutes apart).
    fc.assert(
      fc.property(fc.constantFrom(...TRANSITIONS_2009_2026), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 59 }), ({ zone, at }, interval, minute) => {
        const localStart = instantToWallClock(new Date(at - 7 * HOUR + minute * 60_000), zone);
        const window = planWindowFromLocal({ localStart, durationMinutes: 20, zone, recurrence: { rrule: `FREQ=HOURLY;INTERVAL=${interval}` } });
        const { occurrences } = expandOccurrences(window, { from: window.start, until: new Date(window.start.getTime() + 15 * HOUR) });
        expect(occurrences.map((o) => o.start.getTime())).toEqual(Array.from({ length: Math.ceil(15 / interval) }, (_, index) => window.start.getTime() + index * interval * HOUR));
      }),
      { numRuns: 400 },
    );
  });

  describe('an hourly rule across Lord Howe Island’s half-hour changes (Australia/Lord_Howe: +11:00 in summer, +10:30 in winter)', () => {
    const zone = 'Australia/Lord_Howe';
    /** Each run as "instant (local reading)", the first `hours` hours from the planned start. */
    const runs = (localStart: string, rrule: string, hours: number, durationMinutes = 60) => {
      const window = planWindowFromLocal({ localStart, durationMinutes, zone, recurrence: { rrule } });
      const { occurrences } = expandOccurrences(window, { from: window.start, until: new Date(window.start.getTime() + hours * HOUR) });
      return occurrences.map((o) => `${o.start.toISOString().slice(0, 16)} (${instantToWallClock(o.start, zone).slice(11)})`);
    };

    it('runs every elapsed hour when 02:00 becomes 01:30 on 2026-04-05, its local minutes half an hour later after the change, not two runs 30 minutes apart', () => {
      // 01:30-02:00 happens twice. Before, the 01:45 run came again at 01:45 +10:30, 30 minutes later (a 60-minute window overlapped itself).
      expect(runs('2026-04-05T00:45', 'FREQ=HOURLY', 4)).toEqual(['2026-04-04T13:45 (00:45)', '2026-04-04T14:45 (01:45)', '2026-04-04T15:45 (02:15)', '2026-04-04T16:45 (03:15)']);
      // Before, an hour's run on the hour waited 90 minutes for 02:00 +10:30.
      expect(runs('2026-04-05T00:00', 'FREQ=HOURLY', 4)).toEqual(['2026-04-04T13:00 (00:00)', '2026-04-04T14:00 (01:00)', '2026-04-04T15:00 (01:30)', '2026-04-04T16:00 (02:30)']);
      expect(runs('2026-04-04T23:00', 'FREQ=HOURLY;INTERVAL=2', 6)).toEqual(['2026-04-04T12:00 (23:00)', '2026-04-04T14:00 (01:00)', '2026-04-04T16:00 (02:30)']);
    });

    it('runs every elapsed hour when 02:00 becomes 02:30 on 2026-10-04, its local minutes half an hour later after the change', () => {
      // 02:00-02:30 does not happen. Before, the 01:45 run was followed 30 minutes later by 02:45 +11, the 01:00 run 90 minutes later by 03:00.
      expect(runs('2026-10-04T00:45', 'FREQ=HOURLY', 4)).toEqual(['2026-10-03T14:15 (00:45)', '2026-10-03T15:15 (01:45)', '2026-10-03T16:15 (03:15)', '2026-10-03T17:15 (04:15)']);
      expect(runs('2026-10-04T00:00', 'FREQ=HOURLY', 4)).toEqual(['2026-10-03T13:30 (00:00)', '2026-10-03T14:30 (01:00)', '2026-10-03T15:30 (02:30)', '2026-10-03T16:30 (03:30)']);
    });

    it('reads BYHOUR on the local clock each run starts at: twice in the hour April repeats, in the half hour October leaves of 02:00', () => {
      // From 2026-04-05 the runs planned on the hour read 01:30 +10:30: BYHOUR=1 is still hour 1.
      expect(runs('2026-04-04T01:00', 'FREQ=HOURLY;BYHOUR=1', 72)).toEqual(['2026-04-03T14:00 (01:00)', '2026-04-04T14:00 (01:00)', '2026-04-04T15:00 (01:30)', '2026-04-05T15:00 (01:30)']);
      expect(runs('2026-10-03T02:00', 'FREQ=HOURLY;BYHOUR=2', 72)).toEqual(['2026-10-02T15:30 (02:00)', '2026-10-03T15:30 (02:30)', '2026-10-04T15:30 (02:30)']);
    });
  });

  it('runs an hourly rule filtered by local hours in each elapsed hour that reads one of them: twice in a repeated hour, not at all in a skipped one', () => {
    const at = (zone: string, localStart: string, rrule: string, from: string, until: string) => {
      const window = planWindowFromLocal({ localStart, durationMinutes: 30, zone, recurrence: { rrule } });
      return expandOccurrences(window, { from: new Date(from), until: new Date(until) }).occurrences.map((o) => o.start.toISOString().slice(0, 16));
    };
    expect(at('America/New_York', '2026-10-30T01:15', 'FREQ=HOURLY;BYHOUR=1', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T05:15',
      '2026-11-01T05:15',
      '2026-11-01T06:15',
      '2026-11-02T06:15',
    ]);
    expect(at('Europe/Berlin', '2026-03-27T02:15', 'FREQ=HOURLY;BYHOUR=2', '2026-03-28T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual(['2026-03-28T01:15', '2026-03-30T00:15']);
  });

  it('gives a start once when a local start in the spring-forward gap lands on another one’s instant', () => {
    // Berlin skips 02:00-03:00 on 2026-03-29: an hourly rule runs every elapsed hour, so COUNT=6 is six runs, 01:30 CET then 03:30 CEST.
    const hourly = planWindowFromLocal({ localStart: '2026-03-28T23:30', durationMinutes: 30, zone: 'Europe/Berlin', recurrence: { rrule: 'FREQ=HOURLY;COUNT=6' } });
    expect(expandOccurrences(hourly, spring2026).occurrences.map((o) => instantToWallClock(o.start, 'Europe/Berlin'))).toEqual([
      '2026-03-28T23:30',
      '2026-03-29T00:30',
      '2026-03-29T01:30',
      '2026-03-29T03:30',
      '2026-03-29T04:30',
      '2026-03-29T05:30',
    ]);
    const twiceNightly = planWindowFromLocal({ localStart: '2026-03-28T02:30', durationMinutes: 45, zone: 'Europe/Berlin', recurrence: { rrule: 'FREQ=DAILY;BYHOUR=2,3;BYMINUTE=30' } });
    const { occurrences } = expandOccurrences(twiceNightly, { from: new Date('2026-03-28T00:00:00Z'), until: new Date('2026-03-31T00:00:00Z') });
    expect(occurrences.map((o) => o.start.toISOString())).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-28T02:30:00.000Z',
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
      '2026-03-30T01:30:00.000Z',
    ]);
  });

  it('is bounded by the range and by maxCount, and says when it stopped early', () => {
    const window = planWindowFromLocal({ localStart: '2026-01-01T00:00', durationMinutes: 30, zone: 'UTC', recurrence: { rrule: 'FREQ=HOURLY;INTERVAL=2' } });
    const capped = expandOccurrences(window, { from: new Date('2026-01-01T00:00:00Z'), until: new Date('2027-01-01T00:00:00Z'), maxCount: 50 });
    expect(capped.occurrences).toHaveLength(50);
    expect(capped.truncated).toBe(true);
    const ranged = expandOccurrences(window, { from: new Date('2026-01-01T00:20:00Z'), until: new Date('2026-01-01T08:00:00Z') });
    expect(ranged.occurrences.map((o) => o.start.toISOString().slice(11, 16))).toEqual(['00:00', '02:00', '04:00', '06:00']);
    expect(() => expandOccurrences(window, { ...spring2026, maxCount: 20_000 })).toThrow(expect.objectContaining({ code: TimeErrorCode.RecurrenceTooLarge }));
  });

  it('returns a window without recurrence as its single occurrence when it overlaps the range', () => {
    const window = planWindow({ start: new Date('2026-03-10T00:00:00Z'), end: new Date('2026-03-10T01:00:00Z'), zone: 'UTC' });
    expect(expandOccurrences(window, spring2026).occurrences).toHaveLength(1);
    expect(expandOccurrences(window, { from: new Date('2026-04-01T00:00:00Z'), until: new Date('2026-05-01T00:00:00Z') }).occurrences).toHaveLength(0);
  });

  it.each(['FREQ=FORTNIGHTLY', 'FREQ=MINUTELY', 'BYDAY=MO', 'FREQ=WEEKLY;TZID=Europe/Berlin', 'FREQ=WEEKLY;BYDAY=XX', 'FREQ=WEEKLY;COLOR=RED'])('refuses %s with a reason', (rrule) => {
    const window = planWindowFromLocal({ localStart: '2026-03-04T02:00', durationMinutes: 60, zone: 'UTC', recurrence: { rrule } });
    expect(() => expandOccurrences(window, spring2026)).toThrow(expect.objectContaining({ code: TimeErrorCode.InvalidRecurrence, message: expect.stringContaining(rrule) }));
  });

  it('places every daily occurrence at its local time under the DST rule, in every touched zone (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TOUCHED_ZONES),
        fc.constantFrom(2009, 2026),
        fc.integer({ min: 0, max: 330 }),
        fc.integer({ min: 0, max: 47 }),
        (zone, year, day, halfHour) => {
          const localStart = new Date(Date.UTC(year, 0, 1 + day, 0, halfHour * 30)).toISOString().slice(0, 16);
          const window = planWindowFromLocal({ localStart, durationMinutes: 90, zone, recurrence: { rrule: 'FREQ=DAILY' } });
          const from = window.start;
          const until = new Date(from.getTime() + 29.5 * 24 * HOUR);
          const { occurrences } = expandOccurrences(window, { from, until });
          const offsetAt = zoneOffsetLookup(zone);
          expect(occurrences).toHaveLength(30);
          occurrences.forEach((occurrence, index) => {
            const wall = parseWallClock(localStart) + index * 24 * HOUR;
            expect(occurrence.start.getTime()).toBe(resolveWallClock(wall, offsetAt));
            expect(occurrence.end.getTime() - occurrence.start.getTime()).toBe(1.5 * HOUR);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('one definition of what a window may recur by', () => {
  const rules = [
    'FREQ=WEEKLY;BYDAY=SU',
    'rrule:freq=monthly;bymonthday=-1',
    'FREQ=HOURLY;INTERVAL=6;BYHOUR=0,6,12,18',
    'FREQ=DAILY;UNTIL=20260401T000000Z',
    'FREQ=MINUTELY',
    'FREQ=SECONDLY;COUNT=2',
    'FREQ=WEEKLY;BYSECOND=1',
    'FREQ=WEEKLY;COLOR=RED',
    'FREQ=WEEKLY;DTSTART=20260101T000000',
    'FREQ=DAILY;COUNT=2;UNTIL=20260401',
    'BYDAY=MO',
    '',
  ];
  it.each(rules)('the contract and the expansion agree on %j', (rrule) => {
    const window = planWindowFromLocal({ localStart: '2026-03-04T02:00', durationMinutes: 60, zone: 'Europe/Berlin', recurrence: { rrule } });
    const contractAccepts = RecurrenceRuleSchema.safeParse(rrule).success;
    const expansionAccepts = (() => {
      try {
        expandOccurrences(window, spring2026);
        return true;
      } catch {
        return false;
      }
    })();
    expect(expansionAccepts).toBe(contractAccepts);
  });

  describe('reading exdates against the rule', () => {
    // 08:30 in Berlin every Sunday from 2026-12-06: 07:30Z in winter, 06:30Z from 2027-03-28.
    const weekly = (exdates: string[], rrule = 'FREQ=WEEKLY;BYDAY=SU') =>
      planWindowFromLocal({ localStart: '2026-12-06T08:30', durationMinutes: 60, zone: 'Europe/Berlin', recurrence: { rrule, exdates } });

    it('gives each exdate the run it removes, counted from 0 with no exdate applied, local or with Z', () => {
      const read = readExdates(weekly(['2026-12-20T08:30', '2027-01-03T07:30:00Z', '2027-04-04T06:30:00Z']));
      expect(read.map(({ exdate, run }) => [exdate, run])).toEqual([
        ['2026-12-20T08:30', 2],
        ['2027-01-03T07:30:00Z', 4],
        ['2027-04-04T06:30:00Z', 17],
      ]);
      expect(read[1].instant.toISOString()).toBe('2027-01-03T07:30:00.000Z');
    });

    it('names the nearest run of an exdate an hour off (the offset of the other side of a DST change), on a day the rule does not give, or past COUNT', () => {
      const read = readExdates(weekly(['2027-01-03T06:30:00Z', '2027-01-05T08:30', '2027-01-17T08:30'], 'FREQ=WEEKLY;BYDAY=SU;COUNT=5'));
      expect(read.map(({ run, nearest }) => [run, nearest?.start.toISOString()])).toEqual([
        [null, '2027-01-03T07:30:00.000Z'],
        [null, '2027-01-03T07:30:00.000Z'],
        [null, '2027-01-03T07:30:00.000Z'],
      ]);
    });

    it('names the run just after an exdate read early when it is the latest exdate, not the run a week before', () => {
      const read = readExdates(weekly(['2027-01-03T06:30:00Z']));
      expect(read.map(({ run, nearest }) => [run, nearest?.start.toISOString()])).toEqual([[null, '2027-01-03T07:30:00.000Z']]);
      const yearly = readExdates(weekly(['2027-12-05T06:30:00Z'], 'FREQ=YEARLY'));
      expect(yearly.map(({ nearest }) => nearest?.start.toISOString())).toEqual(['2027-12-06T07:30:00.000Z']);
    });

    it('reads none for a window without exdates or recurrence', () => {
      expect(readExdates(weekly([]))).toEqual([]);
      expect(readExdates(planWindowFromLocal({ localStart: '2026-12-06T08:30', durationMinutes: 60, zone: 'Europe/Berlin' }))).toEqual([]);
    });
  });
});
