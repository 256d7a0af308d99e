import { exdateProblem, recurrenceRuleProblem } from '@holdfast/contracts';
import { RRule } from 'rrule';
import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertInstantRange, InstantRange, PlannedWindow, planWindow, windowDurationMs } from '../windows/planned-window';
import { zoneOffsetLookup } from '../zones/iana-zone';
import { DAY_MS, parseWallClock, resolveWallClock } from '../zones/wall-clock';

export const DEFAULT_MAX_OCCURRENCES = 1_000;
export const MAX_OCCURRENCES_LIMIT = 10_000;

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
 * so the rule runs in floating wall-clock time from the window's local start (the one it was planned
 * at, when it was planned on the wall clock: a first start in a DST gap does not drag the others
 * an hour later), and each local start after the first becomes an instant through `resolveWallClock`
 * (gap: shift forward, overlap: earlier instant). The first start is the instant planned: one in
 * the second pass of a fall-back hour read as the earlier pass would run an hour early, or be lost.
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
  const dtstartWall = planned.localStart === undefined ? toWall(planned.start.getTime()) : parseWallClock(planned.localStart);
  const rule = floatingRule(planned.recurrence.rrule, dtstartWall, toWall);
  const excluded = exclusions(planned.recurrence.exdates ?? []);

  const occurrences: InstantRange[] = [];
  // A local start in a spring-forward gap lands on the instant of the one a gap length later: a rule
  // giving both (hourly, or BYHOUR=2,3) gives that instant once, as a recurrence set holds it once.
  const starts = new Set<number>();
  let truncated = false;
  // A day either side covers every offset, so no local start that lands in range is skipped.
  rule.between(new Date(toWall(from - duration) - DAY_MS), new Date(toWall(until) + DAY_MS), true, (floating) => {
    const wall = floating.getTime();
    const start = wall === dtstartWall ? planned.start.getTime() : resolveWallClock(wall, offsetAt);
    if (excluded.wallClocks.has(wall) || excluded.instants.has(start) || !overlaps(start) || starts.has(start)) return true;
    if (occurrences.length === maxCount) {
      truncated = true;
      return false;
    }
    starts.add(start);
    occurrences.push({ start: new Date(start), end: new Date(start + duration) });
    return true;
  });
  // Gap starts shifted forward can come after a later local start's earlier instant.
  occurrences.sort((a, b) => a.start.getTime() - b.start.getTime());
  return { occurrences, truncated };
}

function floatingRule(text: string, dtstartWall: number, toWall: (instant: number) => number): RRule {
  // The contract's rule check is the one definition of what a window may recur by (no sub-hourly
  // FREQ: rrule walks every occurrence from DTSTART), so the API, events and expansion agree.
  const problem = recurrenceRuleProblem(text);
  if (problem) throw invalid(text, `it ${problem}`);
  // RFC 5545 values are case-insensitive; rrule reads upper case only.
  const value = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  try {
    const options = RRule.parseString(value);
    return new RRule({ ...options, until: floatingUntil(value, options.until, toWall), dtstart: new Date(dtstartWall), tzid: null });
  } catch (error) {
    throw invalid(text, (error as Error).message);
  }
}

/**
 * UNTIL bounds the rule inclusively (RFC 5545). With "Z" it is an instant (with a zoned DTSTART), so
 * floating expansion takes its wall clock; a bare date is the whole of that local day, so a Sunday
 * 02:00 run is still in a rule ending on that Sunday (rrule reads it as the day's 00:00).
 */
function floatingUntil(value: string, until: Date | null | undefined, toWall: (instant: number) => number): Date | null | undefined {
  if (!until) return until;
  if (/UNTIL=\d{8}T\d{6}Z/.test(value)) return new Date(toWall(until.getTime()));
  if (/UNTIL=\d{8}(?:;|$)/.test(value)) return new Date(until.getTime() + DAY_MS - 1);
  return until;
}

function exclusions(exdates: readonly string[]): { wallClocks: Set<number>; instants: Set<number> } {
  const wallClocks = new Set<number>();
  const instants = new Set<number>();
  for (const exdate of exdates) {
    const problem = exdateProblem(exdate);
    if (problem) throw invalid(exdate, `EXDATE ${problem}`);
    if (exdate.endsWith('Z')) {
      instants.add(Date.parse(exdate));
    } else {
      wallClocks.add(parseWallClock(exdate));
    }
  }
  return { wallClocks, instants };
}

function invalid(text: string, reason: string): TimeError {
  return new TimeError(TimeErrorCode.InvalidRecurrence, `Invalid recurrence "${text}": ${reason}.`);
}
