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
