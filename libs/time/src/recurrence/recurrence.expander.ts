import { RRule } from 'rrule';
import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertInstantRange, InstantRange, PlannedWindow, planWindow, windowDurationMs } from '../windows/planned-window';
import { zoneOffsetLookup } from '../zones/iana-zone';
import { DAY_MS, parseWallClock, resolveWallClock } from '../zones/wall-clock';

export const DEFAULT_MAX_OCCURRENCES = 1_000;
export const MAX_OCCURRENCES_LIMIT = 10_000;
const WEEKDAY = /^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$/;

export interface ExpansionBounds {
  /** Occurrences overlapping [from, until) are returned. */
  readonly from: Date;
  readonly until: Date;
  /** Stop after this many occurrences (default 1000, at most 10000). */
  readonly maxCount?: number;
}

export interface Expansion {
  readonly occurrences: InstantRange[];
  /** True when maxCount stopped the expansion before `until`. */
  readonly truncated: boolean;
}

/**
 * Expands a window's recurrence in its own zone. rrule's TZID support depends on the host's zone,
 * so the rule runs in floating wall-clock time from the window's local start, and each local start
 * becomes an instant through `resolveWallClock` (gap: shift forward, overlap: earlier instant).
 * Every occurrence lasts the window's real duration. A window without recurrence is its own
 * single occurrence.
 */
export function expandOccurrences(window: PlannedWindow, bounds: ExpansionBounds): Expansion {
  const planned = planWindow(window);
  assertInstantRange({ start: bounds.from, end: bounds.until }, 'expansion range');
  const maxCount = bounds.maxCount ?? DEFAULT_MAX_OCCURRENCES;
  if (!Number.isInteger(maxCount) || maxCount < 1 || maxCount > MAX_OCCURRENCES_LIMIT) {
    throw new TimeError(
      TimeErrorCode.RecurrenceTooLarge,
      `maxCount ${maxCount} is out of bounds: ask for between 1 and ${MAX_OCCURRENCES_LIMIT} occurrences and page with a narrower range.`,
    );
  }
  const from = bounds.from.getTime();
  const until = bounds.until.getTime();
  const duration = windowDurationMs(planned);
  const overlaps = (start: number) => start < until && start + duration > from;
  if (!planned.recurrence) {
    const start = planned.start.getTime();
    return { occurrences: overlaps(start) ? [{ start: planned.start, end: planned.end }] : [], truncated: false };
  }

  const offsetAt = zoneOffsetLookup(planned.zone);
  const toWall = (instant: number) => instant + offsetAt(instant);
  const rule = floatingRule(planned.recurrence.rrule, toWall(planned.start.getTime()), toWall);
  const excluded = exclusions(planned.recurrence.exdates ?? []);

  const occurrences: InstantRange[] = [];
  let truncated = false;
  // A day either side covers every offset, so no local start that lands in range is skipped.
  rule.between(new Date(toWall(from - duration) - DAY_MS), new Date(toWall(until) + DAY_MS), true, (floating) => {
    const wall = floating.getTime();
    const start = resolveWallClock(wall, offsetAt);
    if (excluded.wallClocks.has(wall) || excluded.instants.has(start) || !overlaps(start)) return true;
    if (occurrences.length === maxCount) {
      truncated = true;
      return false;
    }
    occurrences.push({ start: new Date(start), end: new Date(start + duration) });
    return true;
  });
  return { occurrences, truncated };
}

function floatingRule(text: string, dtstartWall: number, toWall: (instant: number) => number): RRule {
  // RFC 5545 values are case-insensitive; rrule reads upper case only.
  const value = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  if (/(^|;)(DTSTART|TZID)[=:;]/i.test(value) || value.includes('\n')) {
    throw invalid(text, 'give only the RRULE value; the start and zone come from the window');
  }
  const byDay = /(?:^|;)BYDAY=([^;]*)/.exec(value)?.[1];
  if (byDay !== undefined && !byDay.split(',').every((day) => WEEKDAY.test(day))) {
    throw invalid(text, `BYDAY "${byDay}" should list days such as MO,TU or 1MO,-1FR`);
  }
  try {
    const options = RRule.parseString(value);
    if (options.freq === undefined) {
      throw new Error('FREQ is missing or unknown');
    }
    // rrule walks every occurrence from DTSTART; sub-hourly rules would make that walk unbounded in practice.
    if (options.freq === RRule.MINUTELY || options.freq === RRule.SECONDLY) {
      throw new Error('a maintenance window recurs at most hourly');
    }
    // UNTIL with "Z" is an instant (RFC 5545 with a zoned DTSTART); floating expansion needs its wall clock.
    const until = options.until && /UNTIL=\d{8}T\d{6}Z/i.test(value) ? new Date(toWall(options.until.getTime())) : options.until;
    return new RRule({ ...options, until, dtstart: new Date(dtstartWall), tzid: null });
  } catch (error) {
    throw invalid(text, (error as Error).message);
  }
}

function exclusions(exdates: readonly string[]): { wallClocks: Set<number>; instants: Set<number> } {
  const wallClocks = new Set<number>();
  const instants = new Set<number>();
  for (const exdate of exdates) {
    if (exdate.endsWith('Z')) {
      const instant = Date.parse(exdate);
      if (!Number.isFinite(instant)) throw invalid(exdate, 'EXDATE is not a valid instant');
      instants.add(instant);
    } else {
      wallClocks.add(parseWallClock(exdate));
    }
  }
  return { wallClocks, instants };
}

function invalid(text: string, reason: string): TimeError {
  return new TimeError(TimeErrorCode.InvalidRecurrence, `Invalid recurrence "${text}": ${reason}.`);
}
