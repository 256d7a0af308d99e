import { isKnownZone } from '@holdfast/time';
import { IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { RegionCatalog } from './region-catalog';
import { canonicalZoneName, tzdbZones, zoneLinks } from './zone-names';

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

  it('gives a tzdb link in no country the zone it links to, and every name of the UTC zone as UTC', () => {
    const cases = {
      GMT: 'Etc/GMT',
      GMT0: 'Etc/GMT',
      Greenwich: 'Etc/GMT',
      'Etc/GMT': 'Etc/GMT',
      UCT: 'UTC',
      Zulu: 'UTC',
      'Etc/Universal': 'UTC',
      'Etc/UTC': 'UTC',
      EST: 'America/Panama',
      'Etc/GMT+5': 'Etc/GMT+5',
      // Its zone is Africa/Abidjan's clock, but Iceland's own: a bare name is no zone to store.
      Iceland: 'Atlantic/Reykjavik',
    };
    expect(Object.fromEntries(Object.keys(cases).map((name) => [name, canonicalZoneName(name)]))).toEqual(cases);
  });

  it('takes every tzdb name Node knows to a name libs/time, Intl and luxon all compute with', () => {
    const named = Object.keys(tzdbZones).filter(usableByIntl);
    const unusable = named.map((name) => [name, canonicalZoneName(name)]).filter(([, canonical]) => !isKnownZone(canonical) || !usableByIntl(canonical) || !IANAZone.isValidZone(canonical));
    expect(unusable).toEqual([]);
    // Only tzdb's placeholder for an unset zone is one Node's ICU does not know.
    expect(Object.keys(tzdbZones).filter((name) => !usableByIntl(name))).toEqual(['Factory']);
  });

  it('keeps a zone tzdb merged into another country’s under its own name', () => {
    expect([canonicalZoneName('Europe/Amsterdam'), canonicalZoneName('Europe/Stockholm')]).toEqual(['Europe/Amsterdam', 'Europe/Stockholm']);
  });

  it('takes every zone name a browser’s ICU may report to a zone the catalog lists (Asia/Calcutta, Asia/Katmandu, Europe/Amsterdam)', () => {
    const listed = new Set(['UTC', ...new RegionCatalog().list().flatMap((region) => region.zones)]);
    const links = zoneLinks();
    expect(links).toMatchObject({ 'Asia/Calcutta': 'Asia/Kolkata', 'Asia/Katmandu': 'Asia/Kathmandu', 'Europe/Kiev': 'Europe/Kyiv', 'Europe/Amsterdam': 'Europe/Brussels', 'Etc/UTC': 'UTC' });
    expect(links.UTC).toBeUndefined();
    expect(Intl.supportedValuesOf('timeZone').filter((zone) => !listed.has(zone) && !listed.has(links[zone]))).toEqual([]);
  });
});

function usableByIntl(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
