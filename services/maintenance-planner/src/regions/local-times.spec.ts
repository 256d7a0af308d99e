import { RegionCatalog } from '@holdfast/regions';
import { renderInZone } from '@holdfast/time';
import { describe, expect, it } from 'vitest';
import { LocalTimes } from './local-times';

describe('LocalTimes', () => {
  it("renders what the tz data says, within, across the changes of and beyond the span of a zone's offsets it reads once", () => {
    const catalog = new RegionCatalog();
    const localTimes = new LocalTimes(catalog);
    // Zones with summer time north and south, half and three-quarter hours, one that dropped summer time (Tehran, 2022).
    const regions = ['IR', 'NP', 'IN', 'US', 'GB', 'DE', 'AU', 'CL', 'BR', 'EG', 'MX', 'NZ'];
    // Asked first in 2027, so 2026-2029 are read from the timelines, 2021 and 2031 from the tz data.
    localTimes.of(new Date('2027-03-01T00:00:00Z'), new Date('2027-03-01T01:00:00Z'), regions);
    const step = 19 * 3_600_000 + 37 * 60_000;
    const rendered: unknown[] = [];
    const expected: unknown[] = [];
    for (let at = Date.parse('2021-01-01T00:00:00Z'); at < Date.parse('2031-06-01T00:00:00Z'); at += step) {
      // Three hours: some ranges start before a change and end after it.
      const start = new Date(at);
      const end = new Date(at + 3 * 3_600_000);
      for (const code of regions) {
        const { zone } = catalog.get(code);
        const local = renderInZone({ start, end }, code, zone);
        expected.push({ region: code, zone, startsAtLocal: local.localStart, endsAtLocal: local.localEnd, offset: local.offset, endOffset: local.endOffset });
      }
      rendered.push(...localTimes.of(start, end, regions));
    }
    expect(rendered).toEqual(expected);
  });
});
