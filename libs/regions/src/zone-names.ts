import { getAllTimezones, type Timezone } from 'countries-and-timezones';

/** Every zone tzdb names, aliases included, with its countries and the zone it links to. */
export const tzdbZones: Readonly<Record<string, Timezone>> = getAllTimezones({ deprecated: true });
// Intl and luxon take a zone name in any case ("europe/berlin"); tzdb and its readers (ICS clients, lookups by name) do not.
const spellings = new Map<string, string>([...Intl.supportedValuesOf('timeZone'), ...Object.keys(tzdbZones)].map((name) => [name.toLowerCase(), name]));

/**
 * The tzdb name of a zone name Intl accepts: spelt as tzdb spells it, and a renamed zone under its
 * current name (Asia/Calcutta is Asia/Kolkata, Europe/Kiev Europe/Kyiv, US/Pacific
 * America/Los_Angeles). A zone tzdb merged into another country's keeps its own name
 * (Europe/Amsterdam, not Europe/Brussels): its people know it, and it names its country.
 */
export function canonicalZoneName(name: string): string {
  const spelt = spellings.get(name.toLowerCase()) ?? name;
  const zone = tzdbZones[spelt];
  const target = zone?.aliasOf ? tzdbZones[zone.aliasOf] : undefined;
  const renamed = target !== undefined && zone.countries[0] !== undefined && zone.countries[0] === target.countries[0];
  return renamed ? target.name : spelt;
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
      const listed = canonicalZoneName(zone.name) === zone.name ? zone.aliasOf : canonicalZoneName(zone.name);
      return listed ? [[zone.name, listed]] : [];
    }),
  );
}
