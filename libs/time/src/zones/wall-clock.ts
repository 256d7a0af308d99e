import { TimeError, TimeErrorCode } from '../errors/time.error';
import { OffsetLookup, zoneOffsetLookup } from './iana-zone';

/**
 * A wall-clock reading (local date and time without a zone) encoded as the epoch milliseconds of
 * the same fields read in UTC. Arithmetic on it is calendar arithmetic, free of any offset.
 */
export type WallClock = number;

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Parses "YYYY-MM-DDTHH:mm[:ss]" (no offset, no "Z": the zone is always given separately). */
export function parseWallClock(text: string): WallClock {
  const match = LOCAL_DATE_TIME.exec(text);
  if (match) {
    const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const date = new Date(wall);
    // Date.UTC rolls 02-30 over to 03-02; a reading that rolled over was not a real calendar time.
    const sameFields = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    if (sameFields && hour < 24 && minute < 60 && second < 60) {
      return wall;
    }
  }
  throw new TimeError(
    TimeErrorCode.InvalidLocalTime,
    `Invalid local date-time "${text}": expected a real calendar time written as YYYY-MM-DDTHH:mm, without an offset.`,
  );
}

export function formatWallClock(wall: WallClock, withSeconds = false): string {
  return new Date(wall).toISOString().slice(0, withSeconds ? 19 : 16);
}

/**
 * The daylight-saving rule of the whole library, applied wherever a local time becomes an instant:
 * - gap (spring forward, the local time does not exist): shift forward by the gap length, so
 *   02:30 on a day that jumps 02:00→03:00 becomes 03:30; a duration measured from local midnight
 *   keeps its real length.
 * - overlap (fall back, the local time happens twice): take the earlier instant, so work never
 *   starts later than the person who planned it expected.
 * Assumes a zone changes offset at most once within a day around the reading (true of tzdb).
 */
export function resolveWallClock(wall: WallClock, offsetAt: OffsetLookup): number {
  const before = offsetAt(wall - DAY_MS);
  const after = offsetAt(wall + DAY_MS);
  let earliest = Number.POSITIVE_INFINITY;
  for (const offset of before === after ? [before] : [before, after]) {
    const instant = wall - offset;
    if (offsetAt(instant) === offset && instant < earliest) {
      earliest = instant;
    }
  }
  return Number.isFinite(earliest) ? earliest : wall - before;
}

export function wallClockToInstant(local: string, zone: string): Date {
  return new Date(resolveWallClock(parseWallClock(local), zoneOffsetLookup(zone)));
}

export function instantToWallClock(instant: Date, zone: string): string {
  const ms = instant.getTime();
  return formatWallClock(ms + zoneOffsetLookup(zone)(ms));
}
