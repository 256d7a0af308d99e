import type { AllowedLocalHours as ContractAllowedLocalHours, LocalHoursRange, LocalHoursScope } from '@holdfast/contracts';
import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertInstantRange, InstantRange } from '../windows/planned-window';
import { zoneOffsetLookup } from '../zones/iana-zone';
import { DAY_MS, MINUTE_MS, resolveWallClock, WallClock } from '../zones/wall-clock';

// The shapes are the contract's (libs/contracts window-flexibility.schema.ts), read-only here.
export type { LocalHoursRange, LocalHoursScope };
export type AllowedLocalHours = Readonly<Omit<ContractAllowedLocalHours, 'ranges'>> & { readonly ranges: readonly LocalHoursRange[] };

/** A range in minutes after local midnight; `toMinute` may exceed 1440 when it wraps. */
export interface LocalMinuteSpan {
  readonly fromMinute: number;
  readonly toMinute: number;
}

/** An instant interval [start, end) in epoch milliseconds. */
export interface MsInterval {
  readonly start: number;
  readonly end: number;
}

const HOUR_MINUTE = /^(\d{2}):(\d{2})$/;

export function parseLocalHours(ranges: readonly LocalHoursRange[]): LocalMinuteSpan[] {
  if (ranges.length === 0) {
    throw new TimeError(TimeErrorCode.InvalidLocalHours, 'Allowed local hours need at least one range such as { from: "00:00", to: "05:00" }.');
  }
  return ranges.map(({ from, to }) => {
    const fromMinute = minuteOfDay(from, false);
    const toMinute = minuteOfDay(to, true);
    if (fromMinute === toMinute) {
      throw new TimeError(
        TimeErrorCode.InvalidLocalHours,
        `Allowed local hours ${from}-${to} are empty or ambiguous: use 00:00-24:00 for the whole day.`,
      );
    }
    return { fromMinute, toMinute: toMinute < fromMinute ? toMinute + 24 * 60 : toMinute };
  });
}

/**
 * The allowed instants of one zone between two wall-clock days, merged so a slot may run from one
 * range into an adjacent one (22:00-24:00 then 00:00-04:00). Range edges inside a DST gap or
 * overlap follow `resolveWallClock`, so an edge keeps its real distance from local midnight.
 */
export function allowedIntervals(
  spans: readonly LocalMinuteSpan[],
  toInstant: (wall: WallClock) => number,
  firstDayWall: WallClock,
  lastDayWall: WallClock,
): MsInterval[] {
  const intervals: MsInterval[] = [];
  for (let day = Math.floor(firstDayWall / DAY_MS) * DAY_MS; day <= lastDayWall; day += DAY_MS) {
    for (const { fromMinute, toMinute } of spans) {
      intervals.push({ start: toInstant(day + fromMinute * MINUTE_MS), end: toInstant(day + toMinute * MINUTE_MS) });
    }
  }
  intervals.sort((a, b) => a.start - b.start);
  const merged: MsInterval[] = [];
  for (const interval of intervals) {
    const last = merged[merged.length - 1];
    if (last && interval.start <= last.end) {
      merged[merged.length - 1] = { start: last.start, end: Math.max(last.end, interval.end) };
    } else {
      merged.push(interval);
    }
  }
  return merged;
}

/** Whether the whole range lies inside the allowed local hours of `zone`. */
export function isWithinLocalHours(range: InstantRange, ranges: readonly LocalHoursRange[], zone: string): boolean {
  assertInstantRange(range);
  const spans = parseLocalHours(ranges);
  const offsetAt = zoneOffsetLookup(zone);
  const start = range.start.getTime();
  const end = range.end.getTime();
  const intervals = allowedIntervals(
    spans,
    (wall) => resolveWallClock(wall, offsetAt),
    start + offsetAt(start) - DAY_MS,
    end + offsetAt(end) + DAY_MS,
  );
  return intervals.some((interval) => interval.start <= start && end <= interval.end);
}

function minuteOfDay(text: string, endOfDayAllowed: boolean): number {
  const match = HOUR_MINUTE.exec(text);
  const minute = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  const valid = match !== null && Number(match[2]) < 60 && (minute < 24 * 60 || (endOfDayAllowed && minute === 24 * 60));
  if (!valid) {
    throw new TimeError(TimeErrorCode.InvalidLocalHours, `Invalid local hour "${text}": write it as HH:mm between 00:00 and 24:00.`);
  }
  return minute;
}
