import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TimeErrorCode } from '../errors/time.error';
import { isWithinLocalHours } from '../local-hours/allowed-local-hours';
import { TOUCHED_ZONES, TRANSITIONS_2009_2026 } from '../testing/dst-transitions.fixture';
import { rangesOverlap } from '../windows/planned-window';
import { instantToWallClock } from '../zones/wall-clock';
import { HourOfWeekBaseline } from './hour-of-week-baseline';
import { scoreSlot } from './slot-score';
import { findSlots } from './slot-search';
import { SlotSearchRequest } from './slot-search.types';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A weekly profile that repeats `byHour` (24 values) every day. */
const daily = (region: string, zone: string, byHour: (hour: number) => number | null): HourOfWeekBaseline => ({
  region,
  zone,
  values: Array.from({ length: 168 }, (_, index) => byHour(index % 24)),
});
const nightLow = (hour: number) => (hour >= 1 && hour < 5 ? 10 : 100);
const localHour = (instant: Date, zone: string) => Number(instantToWallClock(instant, zone).slice(11, 13));

const june2009: SlotSearchRequest = {
  durationMinutes: 60,
  flexibility: { earliestStart: new Date('2009-06-15T12:00:00Z'), deadline: new Date('2009-06-17T12:00:00Z') },
  windowZone: 'America/Los_Angeles',
  footprint: [
    { region: 'IR', zones: ['Asia/Tehran'], share: 0.7 },
    { region: 'US', zones: ['America/Los_Angeles'], share: 0.3 },
  ],
  baselines: [daily('IR', 'Asia/Tehran', nightLow), daily('US', 'America/Los_Angeles', () => 50)],
  current: { start: new Date('2009-06-15T21:00:00Z'), end: new Date('2009-06-15T22:00:00Z') },
};

describe('findSlots', () => {
  it('June 2009: a one-hour window hurting IR is proposed at Tehran night, rendered in Tehran time', () => {
    const result = findSlots(june2009);
    expect(result.fallbackRegions).toEqual([]);
    expect(result.slots).toHaveLength(3);
    for (const slot of result.slots) {
      const hour = localHour(slot.start, 'Asia/Tehran');
      expect(hour).toBeGreaterThanOrEqual(1);
      expect(localHour(new Date(slot.end.getTime() - 1), 'Asia/Tehran')).toBeLessThan(5);
      expect(slot.local.find((local) => local.zone === 'Asia/Tehran')?.label).toMatch(/^0[1-4]:\d\d–0[2-5]:\d\d Asia\/Tehran \(UTC\+04:30\)$/);
      expect(slot.local.map((local) => local.region)).toEqual(['IR', 'US']);
    }
    // Best is the earliest of the equally quiet starts: 01:00 Tehran on 16 June.
    expect(result.slots[0].start.toISOString()).toBe('2009-06-15T20:30:00.000Z');
    // The slot Twitter's host actually chose, 14:00 PDT = 01:30 Tehran, is as quiet in IR as the best.
    expect(result.current?.local[0].label).toBe('01:30–02:30 Asia/Tehran (UTC+04:30)');
    expect(result.current?.expectedAffectedTraffic).toBeCloseTo(result.slots[0].expectedAffectedTraffic, 12);
  });

  it('scores against each region’s mean, weighted by share, so regions of any size compare', () => {
    const result = findSlots(june2009);
    const [ir, us] = result.slots[0].byRegion;
    const irMean = (4 * 10 + 20 * 100) / 24;
    expect(ir).toMatchObject({ region: 'IR', share: 0.7, fallback: false });
    expect(ir.relativeLoad).toBeCloseTo(10 / irMean, 12);
    expect(ir.expectedTraffic).toBeCloseTo(10, 9);
    expect(us.relativeLoad).toBeCloseTo(1, 12);
    expect(result.slots[0].expectedAffectedTraffic).toBeCloseTo(0.7 * (10 / irMean) + 0.3, 12);
    const scaled = findSlots({ ...june2009, baselines: [daily('IR', 'Asia/Tehran', (hour) => nightLow(hour) * 1000), june2009.baselines[1]] });
    expect(scaled.slots[0].expectedAffectedTraffic).toBeCloseTo(result.slots[0].expectedAffectedTraffic, 12);
  });

  it('falls back to local night hours for a region with nothing learned, and says so per slot', () => {
    const result = findSlots({ ...june2009, baselines: [daily('IR', 'Asia/Tehran', () => null), june2009.baselines[1]] });
    expect(result.fallbackRegions).toEqual(['IR']);
    expect(result.slots[0].byRegion[0]).toMatchObject({ region: 'IR', fallback: true, expectedTraffic: null });
    expect(instantToWallClock(result.slots[0].start, 'Asia/Tehran').slice(11)).toBe('03:00');
    for (const slot of result.slots) expect(slot.notes.join(' ')).toMatch(/^IR: no learned baseline yet/);
    expect(result.current?.notes[0]).toMatch(/^IR:/);
  });

  it('fills hours not learned yet from the fallback profile', () => {
    const partial = daily('IR', 'Asia/Tehran', (hour) => (hour < 12 ? 100 : null));
    const result = findSlots({ ...june2009, footprint: [june2009.footprint[0]], baselines: [partial] });
    expect(result.fallbackRegions).toEqual([]);
    // Learned hours are flat, so the quiet afternoon/evening of the fallback cannot win; unknown night hours can.
    expect(localHour(result.slots[0].start, 'Asia/Tehran')).toBeGreaterThanOrEqual(12);
  });

  it('never proposes a slot overlapping an active hold of a footprint region, and ignores other regions’ holds', () => {
    const holds = [
      { region: 'IR', start: new Date('2009-06-15T12:00:00Z'), end: new Date('2009-06-16T12:00:00Z') },
      { region: 'GB', start: new Date('2009-06-16T12:00:00Z'), end: new Date('2009-06-17T12:00:00Z') },
    ];
    const result = findSlots({ ...june2009, holds });
    expect(result.slots.length).toBeGreaterThan(0);
    for (const slot of result.slots) expect(rangesOverlap(slot, holds[0])).toBe(false);
    expect(result.slots[0].start.toISOString()).toBe('2009-06-16T20:30:00.000Z');
    expect(result.current).toMatchObject({ heldRegions: ['IR'] });
    expect(result.current?.notes).toContain('IR: the current slot overlaps an active hold.');
  });

  it('never proposes a slot overlapping the window’s other runs, in any region', () => {
    // A daily run at 01:00 Tehran already sits in the quietest hours of the next nights.
    const runs = ['2009-06-15T20:30:00Z', '2009-06-16T20:30:00Z'].map((start) => ({ start: new Date(start), end: new Date(Date.parse(start) + HOUR) }));
    const result = findSlots({ ...june2009, busy: runs });
    expect(result.slots.length).toBe(3);
    for (const slot of result.slots) for (const run of runs) expect(rangesOverlap(slot, run), slot.start.toISOString()).toBe(false);
    expect(result.slots[0].start.toISOString()).toBe('2009-06-15T21:30:00.000Z');
  });

  it('for a global window, never proposes a slot overlapping a hold on any region, scored or not', () => {
    const hold = { region: 'NP', start: new Date('2009-06-15T12:00:00Z'), end: new Date('2009-06-16T12:00:00Z') };
    const global = findSlots({ ...june2009, global: true, holds: [hold] });
    expect(global.slots.length).toBeGreaterThan(0);
    for (const slot of global.slots) expect(rangesOverlap(slot, hold)).toBe(false);
    expect(global.current).toMatchObject({ heldRegions: ['NP'] });
    // The same footprint, not global: NP is none of its regions.
    expect(findSlots({ ...june2009, holds: [hold] }).slots[0].start.toISOString()).toBe('2009-06-15T20:30:00.000Z');
  });

  it('honours allowed local hours in the window’s zone or in every region, including ranges wrapping midnight', () => {
    const owner = findSlots({ ...june2009, allowedLocalHours: { in: 'window-zone', ranges: [{ from: '09:00', to: '17:00' }] } });
    for (const slot of owner.slots) expect(isWithinLocalHours(slot, [{ from: '09:00', to: '17:00' }], 'America/Los_Angeles')).toBe(true);
    expect(owner.current?.withinAllowedLocalHours).toBe(true);

    const wrap = [{ from: '22:00', to: '04:00' }];
    const everywhere = findSlots({ ...june2009, allowedLocalHours: { in: 'every-region', ranges: wrap } });
    // 22:00-04:00 in Tehran and in Los Angeles never overlap in June: no slot, said plainly.
    expect(everywhere.slots).toEqual([]);
    expect(everywhere.eligibleCandidates).toBe(0);
    expect(everywhere.current?.withinAllowedLocalHours).toBe(false);

    const tehranNight = findSlots({ ...june2009, footprint: [june2009.footprint[0]], allowedLocalHours: { in: 'every-region', ranges: wrap } });
    for (const slot of tehranNight.slots) expect(isWithinLocalHours(slot, wrap, 'Asia/Tehran')).toBe(true);
  });

  it('returns distinct slots at least the duration (or the asked separation) apart', () => {
    const result = findSlots({ ...june2009, count: 5 });
    const starts = result.slots.map((slot) => slot.start.getTime()).sort((a, b) => a - b);
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(HOUR);
    const spaced = findSlots({ ...june2009, count: 2, minSeparationMinutes: 12 * 60 });
    expect(Math.abs(spaced.slots[1].start.getTime() - spaced.slots[0].start.getTime())).toBeGreaterThanOrEqual(12 * HOUR);
    // No separation asked: still distinct slots (each pick closes itself), neighbours allowed.
    const touching = findSlots({ ...june2009, count: 3, minSeparationMinutes: 0 });
    expect(new Set(touching.slots.map((slot) => slot.start.getTime())).size).toBe(3);
    expect(result.slots.map((slot) => slot.expectedAffectedTraffic)).toEqual([...result.slots.map((slot) => slot.expectedAffectedTraffic)].sort((a, b) => a - b));
  });

  it('breaks ties between equally quiet slots by time, earliest first, over regions in several zones', () => {
    const flat = findSlots({
      durationMinutes: 60,
      flexibility: { earliestStart: new Date('2026-06-01T00:03:00Z'), deadline: new Date('2026-06-08T00:00:00Z') },
      windowZone: 'UTC',
      footprint: [
        { region: 'US', zones: ['America/Los_Angeles'] },
        { region: 'IR', zones: ['Asia/Tehran'] },
      ],
      baselines: [daily('US', 'America/Los_Angeles', () => 37.3), daily('IR', 'Asia/Tehran', () => 11.1)],
    });
    expect(flat.slots.map((slot) => slot.start.toISOString())).toEqual(['2026-06-01T00:05:00.000Z', '2026-06-01T01:05:00.000Z', '2026-06-01T02:05:00.000Z']);
    // Without a baseline, local 03:00-05:00 is the quietest: the hour from 03:00 CEST, not one a few minutes later.
    const fallback = findSlots({
      durationMinutes: 60,
      flexibility: { earliestStart: new Date('2026-10-01T00:00:00Z'), deadline: new Date('2026-10-03T00:00:00Z') },
      windowZone: 'Europe/Berlin',
      footprint: [{ region: 'DE', zones: ['Europe/Berlin'] }],
      baselines: [],
    });
    expect(fallback.slots.map((slot) => instantToWallClock(slot.start, 'Europe/Berlin'))).toEqual(['2026-10-01T03:00', '2026-10-01T04:00', '2026-10-02T03:00']);
  });

  it('integrates baselines by local hour across DST days, partial hours proportionally', () => {
    const marked = (region: string, zone: string, marks: Record<number, number>): HourOfWeekBaseline => ({
      region,
      zone,
      values: Array.from({ length: 168 }, (_, index) => marks[index] ?? 1),
    });
    const sunday = (hour: number) => 6 * 24 + hour;
    const baseline = marked('DE', 'Europe/Berlin', { [sunday(1)]: 5, [sunday(2)]: 7, [sunday(3)]: 11 });
    const mean = (165 + 5 + 7 + 11) / 168;
    const footprint = [{ region: 'DE', zones: ['Europe/Berlin'], share: 1 }];
    // Spring forward: 00:30Z-01:30Z is 01:30 CET to 03:30 CEST, half an hour of local hour 1, half of hour 3.
    const spring = scoreSlot({ start: new Date('2026-03-29T00:30:00Z'), end: new Date('2026-03-29T01:30:00Z') }, footprint, [baseline]);
    expect(spring.expectedAffectedTraffic).toBeCloseTo((0.5 * 5 + 0.5 * 11) / mean, 12);
    // Fall back: 00:00Z-02:00Z is 02:00 CEST, 02:00 CET again, then 03:00: local hour 2 twice, then hour 3.
    const autumn = scoreSlot({ start: new Date('2026-10-25T00:00:00Z'), end: new Date('2026-10-25T02:00:00Z') }, footprint, [baseline]);
    expect(autumn.expectedAffectedTraffic).toBeCloseTo((7 + 7) / mean, 12);
    // The search prices candidates the same way.
    const search = findSlots({
      durationMinutes: 120,
      flexibility: { earliestStart: new Date('2026-10-25T00:00:00Z'), deadline: new Date('2026-10-25T02:00:00Z') },
      windowZone: 'Europe/Berlin',
      footprint,
      baselines: [baseline],
    });
    expect(search.slots[0].expectedAffectedTraffic).toBeCloseTo(autumn.expectedAffectedTraffic, 12);
  });

  it('refuses requests it cannot answer with an actionable error', () => {
    const refuse = (request: SlotSearchRequest, code: TimeErrorCode) => expect(() => findSlots(request)).toThrow(expect.objectContaining({ code }));
    refuse({ ...june2009, durationMinutes: 0 }, TimeErrorCode.InvalidSlotSearch);
    refuse({ ...june2009, durationMinutes: 3 * 24 * 60 }, TimeErrorCode.InvalidSlotSearch);
    refuse({ ...june2009, granularityMinutes: 0.5 }, TimeErrorCode.InvalidSlotSearch);
    refuse({ ...june2009, footprint: [] }, TimeErrorCode.InvalidSlotSearch);
    refuse({ ...june2009, count: 0 }, TimeErrorCode.InvalidSlotSearch);
    refuse({ ...june2009, minSeparationMinutes: -5 }, TimeErrorCode.InvalidSlotSearch);
    refuse({ ...june2009, footprint: [{ region: 'IR', zones: ['Asia/Tehran'], share: -1 }] }, TimeErrorCode.InvalidSlotSearch);
    refuse({ ...june2009, footprint: [{ region: 'IR', zones: ['Asia/Teheran'] }] }, TimeErrorCode.UnknownZone);
    refuse({ ...june2009, windowZone: 'PST' }, TimeErrorCode.UnknownZone);
    refuse({ ...june2009, baselines: [{ region: 'IR', zone: 'Asia/Tehran', values: [1, 2, 3] }] }, TimeErrorCode.InvalidBaseline);
    refuse({ ...june2009, baselines: [daily('IR', 'Asia/Tehran', () => -1)] }, TimeErrorCode.InvalidBaseline);
    refuse({ ...june2009, flexibility: { earliestStart: june2009.flexibility.deadline, deadline: june2009.flexibility.earliestStart } }, TimeErrorCode.InvalidRange);
  });

  it('finds the cheapest eligible slot a from-scratch scan finds, around every 2009/2026 DST change of the touched zones (property)', () => {
    const transitionStarts = TRANSITIONS_2009_2026.map((transition) => transition.at);
    fc.assert(
      fc.property(
        fc.constantFrom(...transitionStarts),
        fc.integer({ min: -20, max: 4 }),
        fc.uniqueArray(fc.constantFrom(...TOUCHED_ZONES), { minLength: 1, maxLength: 3 }),
        fc.array(fc.array(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 1000 })), { minLength: 168, maxLength: 168 }), { minLength: 3, maxLength: 3 }),
        fc.constantFrom(30, 45, 60, 95, 240),
        fc.constantFrom(5, 15, 20),
        fc.option(fc.record({ from: fc.integer({ min: 0, max: 23 }), length: fc.integer({ min: 3, max: 20 }) })),
        fc.option(fc.record({ offsetMinutes: fc.integer({ min: 0, max: 24 * 60 }), minutes: fc.integer({ min: 1, max: 600 }) })),
        (transition, startHour, zones, profiles, durationMinutes, granularityMinutes, hours, hold) => {
          const earliestStart = new Date(transition + startHour * HOUR + 7 * MINUTE);
          const request: SlotSearchRequest = {
            durationMinutes,
            granularityMinutes,
            flexibility: { earliestStart, deadline: new Date(earliestStart.getTime() + 26 * HOUR) },
            windowZone: zones[0],
            footprint: zones.map((zone, index) => ({ region: `R${index}`, zones: [zone], share: (index + 1) / 6 })),
            baselines: zones.map((zone, index) => ({ region: `R${index}`, zone, values: profiles[index] })),
            holds: hold ? [{ region: 'R0', start: new Date(earliestStart.getTime() + hold.offsetMinutes * MINUTE), end: new Date(earliestStart.getTime() + (hold.offsetMinutes + hold.minutes) * MINUTE) }] : [],
            allowedLocalHours: hours
              ? { in: 'every-region', ranges: [{ from: `${String(hours.from).padStart(2, '0')}:00`, to: `${String((hours.from + hours.length) % 24).padStart(2, '0')}:00` }] }
              : undefined,
            count: 1,
          };
          const result = findSlots(request);
          const step = granularityMinutes * MINUTE;
          let best = Number.POSITIVE_INFINITY;
          let eligible = 0;
          for (let start = Math.ceil(earliestStart.getTime() / step) * step; start + durationMinutes * MINUTE <= request.flexibility.deadline.getTime(); start += step) {
            const slot = { start: new Date(start), end: new Date(start + durationMinutes * MINUTE) };
            if (request.holds?.some((h) => rangesOverlap(h, slot))) continue;
            if (request.allowedLocalHours && !zones.every((zone) => isWithinLocalHours(slot, request.allowedLocalHours?.ranges ?? [], zone))) continue;
            eligible++;
            best = Math.min(best, scoreSlot(slot, request.footprint, request.baselines).expectedAffectedTraffic);
          }
          expect(result.eligibleCandidates).toBe(eligible);
          if (eligible === 0) {
            expect(result.slots).toEqual([]);
          } else {
            expect(result.slots[0].expectedAffectedTraffic).toBeCloseTo(best, 9);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
