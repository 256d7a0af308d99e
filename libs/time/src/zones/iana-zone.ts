import { IANAZone } from 'luxon';
import { TimeError, TimeErrorCode } from '../errors/time.error';

// Intl also accepts raw offsets ("+03:00") and ICU's legacy abbreviations, some misleading ("BST" is
// Asia/Dhaka, "IST" Asia/Calcutta). Only Area/Location names and UTC are taken.
const ZONE_NAME = /^(UTC|(?!SystemV\/)[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)+)$/;

// Validation builds an Intl formatter (~0.1 ms); the tz data is fixed for the process, so remember answers.
const knownZones = new Map<string, boolean>();

export function isKnownZone(zone: string): boolean {
  let known = knownZones.get(zone);
  if (known === undefined) {
    known = ZONE_NAME.test(zone) && IANAZone.isValidZone(zone);
    if (knownZones.size >= 1_000) knownZones.clear();
    knownZones.set(zone, known);
  }
  return known;
}

/** Returns the zone unchanged, or throws: an unknown zone is never read as UTC. */
export function assertKnownZone(zone: string): string {
  if (!isKnownZone(zone)) {
    throw new TimeError(
      TimeErrorCode.UnknownZone,
      `Unknown time zone "${zone}": use an IANA zone name such as "Europe/Berlin" or "Asia/Tehran" (or "UTC"), not an offset or an abbreviation such as "PST".`,
    );
  }
  return zone;
}

export type OffsetLookup = (instantMs: number) => number;

/** Offset in milliseconds east of UTC in force at an instant, from the runtime's tz data. */
export function zoneOffsetLookup(zone: string): OffsetLookup {
  const iana = IANAZone.create(assertKnownZone(zone));
  return (instantMs) => iana.offset(instantMs) * 60_000;
}
