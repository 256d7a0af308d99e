import { getAllTimezones, type Timezone } from 'countries-and-timezones';

/** Every zone tzdb names, aliases included, with its countries and the zone it links to. */
export const tzdbZones: Readonly<Record<string, Timezone>> = getAllTimezones({ deprecated: true });
// Intl and luxon take a zone name in any case ("europe/berlin"); tzdb and its readers (ICS clients, lookups by name) do not.
const spellings = new Map<string, string>([...Intl.supportedValuesOf('timeZone'), ...Object.keys(tzdbZones)].map((name) => [name.toLowerCase(), name]));

// tzdb's zone for UTC is Etc/UTC, but Intl, the region catalog and every window planned in UTC so far
// call it UTC: one name for one zone, so a window sent back under another spelling of it is no change.
const shownAs = (zone: string): string => (zone === 'Etc/UTC' ? 'UTC' : zone);

/**
 * The tzdb name of a zone name Intl accepts: spelt as tzdb spells it, and a renamed zone under its
 * current name (Asia/Calcutta is Asia/Kolkata, Europe/Kiev Europe/Kyiv, US/Pacific
 * America/Los_Angeles). A link in no country names no place of its own, only the zone it links to
 * (GMT and Greenwich are Etc/GMT; UCT, Zulu, Etc/Universal and Etc/UTC are UTC). A zone tzdb merged
 * into another country's keeps its own name (Europe/Amsterdam, not Europe/Brussels): its people
 * know it, and it names its country; a bare old name of such a zone is its country's zone on that
 * clock (Iceland is Atlantic/Reykjavik).
 */
export function canonicalZoneName(name: string): string {
  const spelt = spellings.get(name.toLowerCase()) ?? name;
  const zone = tzdbZones[spelt];
  const target = zone?.aliasOf ? tzdbZones[zone.aliasOf] : undefined;
  if (target === undefined) return shownAs(spelt);
  if (zone.countries.length === 0 || zone.countries[0] === target.countries[0]) return shownAs(target.name);
  if (spelt.includes('/')) return spelt;
  const [country] = zone.countries;
  return Object.values(tzdbZones).find((other) => other.name.includes('/') && other.aliasOf === zone.aliasOf && other.countries[0] === country)?.name ?? spelt;
}

/**
 * Every alias tzdb keeps with a zone to show it as: its current name when renamed (Asia/Calcutta:
 * Asia/Kolkata), else the zone it links to, the same clock since 1970 (Europe/Amsterdam:
 * Europe/Brussels, for a list that has Belgium's zone and not the Netherlands'). A browser's ICU
 * reports some zones by such names.
 */
export function zoneLinks(): Record<string, string> {
  return Object.fromEntries(
    Object.values(tzdbZones).flatMap((zone) => {
      const canonical = canonicalZoneName(zone.name);
      if (canonical !== zone.name) return [[zone.name, canonical]];
      // UTC links to Etc/UTC in tzdb, and Etc/UTC is shown as UTC: no link to show.
      return zone.aliasOf && canonicalZoneName(zone.aliasOf) !== zone.name ? [[zone.name, zone.aliasOf]] : [];
    }),
  );
}
