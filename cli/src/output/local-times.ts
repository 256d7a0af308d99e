import { getCountry } from 'countries-and-timezones';
import { DateTime } from 'luxon';

/**
 * The zone a region's local times are shown in: the country's first zone in the maintained
 * country/zone data set; a custom region (unknown here) is shown in UTC, and the zone is always named.
 */
export function zoneOfRegion(region: string): string {
  return getCountry(region.toUpperCase())?.timezones[0] ?? 'UTC';
}

/** "2026-06-14 01:30 Asia/Tehran (+03:30)": the wall-clock time and the zone it is in. */
export function localTime(instant: string | null | undefined, zone: string): string {
  if (!instant) return '-';
  const at = DateTime.fromISO(instant, { zone });
  return at.isValid ? `${at.toFormat('yyyy-MM-dd HH:mm')} ${zone} (${at.toFormat('ZZ')})` : instant;
}

export function utcTime(instant: string | null | undefined): string {
  return instant ? localTime(instant, 'UTC') : '-';
}

/** One line per region: "IR 2026-06-15 01:30 Asia/Tehran (+03:30) - 2026-06-15 02:30". */
export function localRangePerRegion(regions: readonly string[], from: string | null | undefined, until: string | null | undefined): string[] {
  return regions.map((region) => {
    const zone = zoneOfRegion(region);
    const end = until ? DateTime.fromISO(until, { zone }).toFormat('yyyy-MM-dd HH:mm') : 'open';
    return `${region} ${localTime(from, zone)} - ${end}`;
  });
}
