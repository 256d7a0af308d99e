import { getCountry } from 'countries-and-timezones';
import { DateTime, IANAZone } from 'luxon';

export type ZoneOf = (region: string) => string;

/**
 * The zone a region's local times are shown in when the planner's region catalog cannot be read: a
 * country's one zone; UTC for a country of several (the first in the data set put the US on Adak,
 * hours from most of its people) and for an unknown region. The zone is always named next to the time.
 */
export function zoneOfRegion(region: string): string {
  const zones = getCountry(region.toUpperCase())?.timezones ?? [];
  return zones.length === 1 ? zones[0] : 'UTC';
}

/** " (+03:30)", written after a time in `zone`; nothing for UTC, whose offset is +00:00 every day of the year and so tells nothing. */
export function offsetNote(zone: string, offset: string): string {
  return zone === 'UTC' ? '' : ` (${offset})`;
}

/** "2026-06-14 01:30 Asia/Tehran (+03:30)", "2026-06-13 21:00 UTC": the wall-clock time and the zone it is in. */
export function localTime(instant: string | null | undefined, zone: string): string {
  if (!instant) return '-';
  const at = DateTime.fromISO(instant, { zone });
  return at.isValid ? `${at.toFormat('yyyy-MM-dd HH:mm')} ${zone}${offsetNote(zone, at.toFormat('ZZ'))}` : instant;
}

// The services' rule for a zone name (isZoneName in libs/contracts, which the CLI, installable on its
// own, does not import): an Area/Location name or UTC, never one of ICU's abbreviations ("BST" is Dhaka).
const ZONE_NAME = /^(?:UTC|(?!SystemV\/)[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)+)$/;
const isZoneName = (name: string): boolean => ZONE_NAME.test(name) && IANAZone.isValidZone(name);

const icuReading = (tz: string): string | undefined => (IANAZone.isValidZone(tz) ? new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone : undefined);

/** Why TZ names no zone, and what to set it to: the zone ICU reads an abbreviation as, named. */
function tzRefusal(tz: string, readAs: string | undefined): string {
  if (readAs === undefined || readAs === tz || !isZoneName(readAs)) return `TZ ${tz} is not an IANA time zone such as Europe/Berlin`;
  const what = /^(?:[A-Z]{2,5}|[a-z]{2,5})$/.test(tz) ? 'an abbreviation' : 'a legacy name';
  return `TZ ${tz} is ${what}, not an IANA time zone name: ICU reads it as ${readAs}; set TZ to that, or to the zone you meant`;
}

/**
 * "2026-06-15 23:30 Asia/Tehran (+03:30) here": a time that belongs to no region, in the zone of the
 * machine the CLI runs on (TZ when it names one, else the system's). A TZ no zone database knows (a
 * typo, a POSIX rule such as UTC+3) leaves Node in UTC with no zone name at all, and one ICU alone
 * reads (PST) may read as another place than meant: UTC is shown, and why.
 */
export function timeHere(instant: string, env: Record<string, string | undefined>, systemZone: string | undefined = Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  const { TZ } = env;
  // An empty TZ is UTC to Node, and "Etc/Unknown" to Intl.
  if (!TZ) return `${localTime(instant, systemZone && IANAZone.isValidZone(systemZone) ? systemZone : 'UTC')} here`;
  if (isZoneName(TZ)) return `${localTime(instant, TZ)} here`;
  const readAs = icuReading(TZ);
  // tzdb's names for UTC (GMT, UCT, Zulu), which the planner takes too: no other place to mistake them for.
  if (readAs === 'UTC') return `${localTime(instant, 'UTC')} here`;
  return `${localTime(instant, 'UTC')}: ${tzRefusal(TZ, readAs)}`;
}

export function utcTime(instant: string | null | undefined): string {
  return instant ? localTime(instant, 'UTC') : '-';
}

/**
 * One line per region: "IR 2026-06-15 01:30 Asia/Tehran (+03:30) - 2026-06-15 02:30 (+03:30)"; with
 * `endedBy`, what ended it before the end named ("- released 2026-06-15 02:00 (+03:30)").
 */
export function localRangePerRegion(regions: readonly string[], from: string | null | undefined, until: string | null | undefined, zoneOf: ZoneOf = zoneOfRegion, endedBy?: string): string[] {
  return regions.map((region) => {
    const zone = zoneOf(region);
    // The end's own offset: across a DST change it is not the start's.
    const endsAt = until && DateTime.fromISO(until, { zone });
    const end = endsAt ? `${endedBy ? `${endedBy} ` : ''}${endsAt.toFormat('yyyy-MM-dd HH:mm')}${offsetNote(zone, endsAt.toFormat('ZZ'))}` : 'open';
    return `${region} ${localTime(from, zone)} - ${end}`;
  });
}
