import { RegionCatalog } from '@holdfast/regions';
import { instantToWallClock } from '@holdfast/time';
import { describe, expect, it } from 'vitest';
import type { WindowRow } from '../windows/window-record';
import { PLANNED_ZONE_REGION, SlotProposer } from './slot-proposer';

// A fresh deployment: no baseline learned, no hold placed.
const db = { query: async () => [] } as never;
const config = { settings: { holdHorizonMs: 48 * 3_600_000, planMaxAheadMs: 730 * 86_400_000 } } as never;

describe('SlotProposer, a global window with nothing learned and nothing held', () => {
  const proposer = new SlotProposer(new RegionCatalog(), config);
  const propose = (zone: string) => {
    const window = { id: 'w1', footprint_global: true, footprint_regions: [], footprint_shares: null, planned_zone: zone, flexibility: null } as unknown as WindowRow;
    return proposer.propose(db, window, { start: new Date('2026-06-16T12:00:00Z'), end: new Date('2026-06-16T13:00:00Z') }, new Date('2026-06-15T00:00:00Z'), 1);
  };

  it.each([
    ['Australia/Perth', 'AU'],
    ['Asia/Calcutta', 'IN'],
    ['Europe/Amsterdam', 'NL'],
    ['America/Los_Angeles', 'US'],
    ['Asia/Tehran', 'IR'],
    ['UTC', PLANNED_ZONE_REGION],
  ])('scores %s’s country (%s) at night in that zone, never New York’s', async (zone, region) => {
    const proposal = await propose(zone);
    expect(proposal.regions).toEqual([region]);
    const [slot] = proposal.slots;
    expect(slot.localTimes).toEqual([expect.objectContaining({ region, zone })]);
    // The fallback profile is quiet from 01:00 to 05:00 local.
    const hour = Number(instantToWallClock(new Date(slot.startsAt), zone).slice(11, 13));
    expect(hour).toBeGreaterThanOrEqual(1);
    expect(hour).toBeLessThan(5);
    expect(proposal.notes[0]).toContain(`(01:00-05:00 ${zone})`);
  });
});

describe('SlotProposer, a window whose allowed hours are read in its planned zone, not its region’s principal one', () => {
  const proposer = new SlotProposer(new RegionCatalog(), config);
  const now = new Date('2026-06-15T00:00:00Z');
  const propose = (region: string, zone: string, ranges: { from: string; to: string }[], until = '2026-06-18T00:00:00Z') => {
    const flexibility = { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: until, allowedLocalHours: { ranges, in: 'window-zone' } };
    const window = { id: 'w1', footprint_global: false, footprint_regions: [region], footprint_shares: null, planned_zone: zone, flexibility } as unknown as WindowRow;
    return proposer.propose(db, window, { start: new Date('2026-06-16T12:00:00Z'), end: new Date('2026-06-16T12:30:00Z') }, now, 2);
  };

  it.each([
    // Lord Howe keeps +10:30 in June, Sydney (AU's principal zone) +10:00; Kathmandu +05:45, Kolkata (IN's) +05:30.
    ['AU', 'Australia/Sydney', 'Australia/Lord_Howe', '+10:30'],
    ['IN', 'Asia/Kolkata', 'Asia/Kathmandu', '+05:45'],
  ])('shows each slot in %s’s zone (%s) and in the planned zone %s, where its hours hold', async (region, principal, zone, offset) => {
    const proposal = await propose(region, zone, [{ from: '02:00', to: '03:00' }]);
    expect(proposal.slots.length).toBeGreaterThan(0);
    for (const slot of [...proposal.slots, proposal.current!]) {
      expect(slot.localTimes.map((local) => [local.region, local.zone])).toEqual([
        [region, principal],
        [PLANNED_ZONE_REGION, zone],
      ]);
    }
    for (const slot of proposal.slots) {
      const planned = slot.localTimes[1];
      expect(planned).toMatchObject({ startsAtLocal: instantToWallClock(new Date(slot.startsAt), zone), offset });
      expect(planned.startsAtLocal.slice(11) >= '02:00' && planned.endsAtLocal.slice(11) <= '03:00').toBe(true);
    }
  });

  it('adds nothing when the planned zone is shown already, or when the hours are read in each region’s zone', async () => {
    const inRegion = await propose('NP', 'Asia/Kathmandu', [{ from: '02:00', to: '03:00' }]);
    expect(inRegion.slots[0].localTimes.map((local) => local.zone)).toEqual(['Asia/Kathmandu']);
    const flexibility = { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2026-06-18T00:00:00Z', allowedLocalHours: { ranges: [{ from: '02:00', to: '03:00' }], in: 'every-region' } };
    const window = { id: 'w1', footprint_global: false, footprint_regions: ['IN'], footprint_shares: null, planned_zone: 'Asia/Kathmandu', flexibility } as unknown as WindowRow;
    const everyRegion = await proposer.propose(db, window, { start: new Date('2026-06-16T12:00:00Z'), end: new Date('2026-06-16T12:30:00Z') }, now, 1);
    expect(everyRegion.slots[0].localTimes.map((local) => local.zone)).toEqual(['Asia/Kolkata']);
  });

  it('names the allowed hours and the zone they are read in when no slot keeps to them', async () => {
    // From 05:45 to 23:45 in Kathmandu: no 02:00 there before the deadline.
    const proposal = await propose('IN', 'Asia/Kathmandu', [{ from: '02:00', to: '03:00' }], '2026-06-15T18:00:00Z');
    expect(proposal.slots).toEqual([]);
    expect(proposal.notes).toContain(
      'No slot between 2026-06-15T00:00:00.000Z and 2026-06-15T18:00:00.000Z is outside the active holds and within the allowed local hours (02:00-03:00 in Asia/Kathmandu, the planned zone).',
    );
  });
});
