import { RegionCatalog } from '@holdfast/regions';
import { describe, expect, it } from 'vitest';
import type { WindowRow } from '../windows/window-record';
import { allowedHoursApart, type WindowWithAllowedHours } from './allowed-hours-apart';
import { SlotProposer } from './slot-proposer';

const catalog = new RegionCatalog();
// A fresh deployment: no baseline learned, no hold placed, no other run of the window.
const db = { query: async () => [] } as never;
const proposer = new SlotProposer(catalog, { settings: { holdHorizonMs: 48 * 3_600_000, planMaxAheadMs: 730 * 86_400_000 } } as never);
const NOW = new Date('2026-02-01T00:00:00Z');

const window = (regions: string[], from: string, to: string, ranges: { from: string; to: string }[], scope: 'every-region' | 'window-zone' = 'every-region'): WindowWithAllowedHours => ({
  footprint: { global: false, regions },
  plannedZone: 'UTC',
  startsAt: '2026-12-15T10:00:00Z',
  endsAt: '2026-12-15T11:00:00Z',
  flexibility: { earliestStartAt: from, deadlineAt: to, allowedLocalHours: { ranges, in: scope } },
});

/** The slots the planner proposes for such a window, with nothing learned or held: what the refusal foretells. */
const proposed = async (planned: WindowWithAllowedHours) => {
  const row = { id: 'w1', footprint_global: false, footprint_regions: planned.footprint.regions, footprint_shares: null, planned_zone: planned.plannedZone, flexibility: planned.flexibility } as unknown as WindowRow;
  return (await proposer.propose(db, row, { start: new Date(planned.startsAt), end: new Date(planned.endsAt) }, NOW, 1)).slots;
};

const NIGHT = [{ from: '01:00', to: '05:00' }];

describe('allowedHoursApart', () => {
  it('refuses hours that never meet in the footprint’s regions, naming them: NZ’s and CL’s nights in December', async () => {
    const nights = window(['NZ', 'CL'], '2026-12-14T00:00:00Z', '2026-12-20T00:00:00Z', NIGHT);

    expect(allowedHoursApart(nights, catalog, NOW)).toBe(
      'never meet in NZ (Pacific/Auckland) and CL (America/Santiago): no 60-minute slot between 2026-12-14T00:00:00.000Z and 2026-12-20T00:00:00.000Z is within them in every region of the footprint; widen a range, take a region out of the footprint, or read them in the planned zone alone ("in": "window-zone")',
    );
    expect(await proposed(nights)).toEqual([]);
  });

  it('takes hours that meet, and names the region whose hours meet none of another’s among several', async () => {
    const atlantic = window(['GB', 'US'], '2026-06-21T00:00:00Z', '2026-06-24T00:00:00Z', [{ from: '00:00', to: '08:00' }]);
    expect(allowedHoursApart(atlantic, catalog, NOW)).toBeUndefined();
    expect(await proposed(atlantic)).toHaveLength(1);

    // GB's and CL's nights meet at 04:00-05:00Z in December; NZ's meet neither.
    const three = window(['GB', 'CL', 'NZ'], '2026-12-14T00:00:00Z', '2026-12-20T00:00:00Z', NIGHT);
    expect(allowedHoursApart(three, catalog, NOW)).toMatch(/^never meet in NZ \(Pacific\/Auckland\) and in GB \(Europe\/London\) or CL \(America\/Santiago\): /);
    expect(await proposed(three)).toEqual([]);
  });

  it('reads the zones’ offsets on each day of the range: London and New York are 4 hours apart only between their spring changes', async () => {
    // 00:00-01:00 in New York and 04:00-05:00 in London at once: 04:00Z, once New York has changed (07:00Z on 8 March) and until London does (29 March).
    const ranges = [
      { from: '00:00', to: '01:00' },
      { from: '04:00', to: '05:00' },
    ];
    const before = window(['GB', 'US'], '2026-03-01T00:00:00Z', '2026-03-09T04:59:00Z', ranges);
    const across = window(['GB', 'US'], '2026-03-01T00:00:00Z', '2026-03-10T00:00:00Z', ranges);

    expect(allowedHoursApart(before, catalog, NOW)).toMatch(/^never meet in GB \(Europe\/London\) and US \(America\/New_York\)/);
    // The change that parts them, with the offsets either side, for whoever reads the refusal in London or New York.
    expect(allowedHoursApart(before, catalog, NOW)).toContain(
      'is within them in every region of the footprint (over that range Europe/London keeps +00:00; in America/New_York clocks go from 02:00 to 03:00 on 2026-03-08 (-05:00 to -04:00)); widen a range',
    );
    expect(await proposed(before)).toEqual([]);
    expect(allowedHoursApart(across, catalog, NOW)).toBeUndefined();
    expect((await proposed(across)).map((slot) => slot.startsAt)).toEqual(['2026-03-09T04:00:00.000Z']);
  });

  it('refuses a range that takes in none of a region’s hours, and searches from now as proposals are', async () => {
    // 07:00-11:00 in Santiago.
    const daytime = window(['CL'], '2026-12-14T10:00:00Z', '2026-12-14T14:00:00Z', NIGHT);
    expect(allowedHoursApart(daytime, catalog, NOW)).toBe(
      'leave no 60-minute slot in CL (America/Santiago) between 2026-12-14T10:00:00.000Z and 2026-12-14T14:00:00.000Z: widen a range, or move the flexibility to take in those hours',
    );
    // The night of 14 December in NZ (12:00-16:00Z on the 13th), over by 17:00Z.
    const nz = window(['NZ'], '2026-12-13T00:00:00Z', '2026-12-14T00:00:00Z', NIGHT);
    expect(allowedHoursApart(nz, catalog, NOW)).toBeUndefined();
    expect(allowedHoursApart(nz, catalog, new Date('2026-12-13T17:00:00Z'))).toMatch(/^leave no 60-minute slot in NZ \(Pacific\/Auckland\) between 2026-12-13T17:00:00.000Z and 2026-12-14T00:00:00.000Z: /);
  });

  it('judges hours read in the planned zone alone there, and leaves a global window’s to the search (its regions are known only then)', () => {
    expect(allowedHoursApart(window(['NZ', 'CL'], '2026-12-14T00:00:00Z', '2026-12-20T00:00:00Z', NIGHT, 'window-zone'), catalog, NOW)).toBeUndefined();
    const global = window([], '2026-12-14T00:00:00Z', '2026-12-20T00:00:00Z', NIGHT);
    expect(allowedHoursApart({ ...global, footprint: { global: true, regions: [] } }, catalog, NOW)).toBeUndefined();
  });
});
