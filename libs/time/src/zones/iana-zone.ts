import { isZoneName, zoneNameRefusal } from '@holdfast/contracts';
import { IANAZone } from 'luxon';
import { TimeError, TimeErrorCode } from '../errors/time.error';

/** A zone this library computes with: the contracts' rule (isZoneName), so no event carries a zone it refuses. */
export function isKnownZone(zone: string): boolean {
  return isZoneName(zone);
}

/** Returns the zone unchanged, or throws: an unknown zone is never read as UTC. */
export function assertKnownZone(zone: string): string {
  const refusal = zoneNameRefusal(zone);
  if (refusal !== undefined) throw new TimeError(TimeErrorCode.UnknownZone, `Time zone "${zone}" ${refusal}`);
  return zone;
}

export type OffsetLookup = (instantMs: number) => number;

/** Offset in milliseconds east of UTC in force at an instant, from the runtime's tz data. */
export function zoneOffsetLookup(zone: string): OffsetLookup {
  const iana = IANAZone.create(assertKnownZone(zone));
  return (instantMs) => iana.offset(instantMs) * 60_000;
}
