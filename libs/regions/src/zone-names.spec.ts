import { describe, expect, it } from 'vitest';
import { RegionCatalog } from './region-catalog';
import { canonicalZoneName, zoneLinks } from './zone-names';

describe('zone names', () => {
  it('spells a zone as tzdb does and gives a renamed one its current name', () => {
    const cases = {
      'europe/berlin': 'Europe/Berlin',
      'ASIA/TEHRAN': 'Asia/Tehran',
      'Asia/Calcutta': 'Asia/Kolkata',
      'asia/calcutta': 'Asia/Kolkata',
      'Asia/Katmandu': 'Asia/Kathmandu',
      'Europe/Kiev': 'Europe/Kyiv',
      'US/Pacific': 'America/Los_Angeles',
      utc: 'UTC',
      UTC: 'UTC',
    };
    expect(Object.fromEntries(Object.keys(cases).map((name) => [name, canonicalZoneName(name)]))).toEqual(cases);
  });

  it('keeps a zone tzdb merged into another country’s under its own name', () => {
    expect([canonicalZoneName('Europe/Amsterdam'), canonicalZoneName('Europe/Stockholm')]).toEqual(['Europe/Amsterdam', 'Europe/Stockholm']);
  });

  it('takes every zone name a browser’s ICU may report to a zone the catalog lists (Asia/Calcutta, Asia/Katmandu, Europe/Amsterdam)', () => {
    const listed = new Set(['UTC', ...new RegionCatalog().list().flatMap((region) => region.zones)]);
    const links = zoneLinks();
    expect(links).toMatchObject({ 'Asia/Calcutta': 'Asia/Kolkata', 'Asia/Katmandu': 'Asia/Kathmandu', 'Europe/Kiev': 'Europe/Kyiv', 'Europe/Amsterdam': 'Europe/Brussels' });
    expect(Intl.supportedValuesOf('timeZone').filter((zone) => !listed.has(zone) && !listed.has(links[zone]))).toEqual([]);
  });
});
