import { exdateProblem, recurrenceRuleProblem } from '@holdfast/contracts';
import { RRule } from 'rrule';
import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertInstantRange, InstantRange, PlannedWindow, planWindow, windowDurationMs } from '../windows/planned-window';
import { type OffsetLookup, zoneOffsetLookup } from '../zones/iana-zone';
import { DAY_MS, HOUR_MS, parseWallClock, resolveWallClock, type WallClock } from '../zones/wall-clock';

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
 *
 * The two DST rules, by frequency:
 * - DAILY and longer keep the local time: each local start once, a gap's shifted forward, an
 *   overlap's at its earlier instant (a daily 01:30 runs once on a fall-back day).
 * - HOURLY keeps elapsed time (`elapsedHourStarts`): every INTERVAL hours of real time, so a
 *   fall-back's repeated hour runs twice, a spring-forward's skipped hour is not run, and a
 *   half-hour change (Lord Howe) moves the runs' local minutes, not their spacing; its BY filters
 *   are read on the local clock.
 * UNTIL with "Z" bounds the runs of both by instant (RFC 5545), a local or date UNTIL a DAILY or
 * longer rule's by wall clock.
 * And one for EXDATEs (`excludedStarts`): each removes the run starting at its instant, a local one
 * resolved by the same gap and overlap rules (RFC 5545). So a run a gap shifted forward is removed
 * by the local time it is shown at as by the one its rule names (Berlin 2026-03-29: 03:30 or 02:30),
 * a local one in a repeated hour removes the run at its first pass only (of an hourly series' two
 * runs at that wall clock the second stays), and one with "Z" the run at exactly that instant.
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
  const { rule, untilInstant, untilGivenAsInstant } = floatingRule(planned.recurrence.rrule, dtstartWall, toWall, offsetAt);
  const excluded = excludedStarts(planned.recurrence.exdates ?? [], offsetAt);

  const occurrences: InstantRange[] = [];
  // A local start in a spring-forward gap lands on the instant of the one a gap length later: a rule
  // giving both (BYHOUR=2,3) gives that instant once, as a recurrence set holds it once.
  const starts = new Set<number>();
  let truncated = false;
  const take = (start: number): boolean => {
    if (excluded.has(start) || !overlaps(start) || starts.has(start)) return true;
    if (occurrences.length === maxCount) {
      truncated = true;
      return false;
    }
    starts.add(start);
    occurrences.push({ start: new Date(start), end: new Date(start + duration) });
    return true;
  };
  if (rule.options.freq === RRule.HOURLY) {
    elapsedHourStarts(rule, { start: planned.start.getTime(), wall: dtstartWall }, { from: from - duration, until, untilInstant }, offsetAt, take);
  } else {
    // A day either side covers every offset, so no local start that lands in range is skipped.
    rule.between(new Date(toWall(from - duration) - DAY_MS), new Date(toWall(until) + DAY_MS), true, (floating) => {
      const wall = floating.getTime();
      const start = wall === dtstartWall ? planned.start.getTime() : resolveWallClock(wall, offsetAt);
      // A "Z" UNTIL is an instant: a local start before it in floating time can start after it, and one after it before it.
      return untilGivenAsInstant && start > untilInstant! ? true : take(start);
    });
  }
  // Gap starts shifted forward can come after a later local start's earlier instant.
  occurrences.sort((a, b) => a.start.getTime() - b.start.getTime());
  return { occurrences, truncated };
}

// Five weeks of hours: enough that a series of runs reads a few stretches, little enough that one costs nothing much.
const HOURS_READ_AT_ONCE = 35 * 24;
const EVERY_HOUR = Array.from({ length: 24 }, (_, hour) => hour);
// The parts of a rule that take some hours and leave others; an hourly rule with none of them runs at every step.
const HOUR_FILTERS = ['byminute', 'bysecond', 'byhour', 'byweekday', 'bymonthday', 'byyearday', 'byweekno', 'bymonth', 'bysetpos', 'bynweekday', 'byeaster'] as const;

/**
 * An hourly rule's starts, in elapsed time, as RFC 5545 implementations step HOURLY and finer: from
 * the start of the planned start's local hour, every INTERVAL-th hour of elapsed time runs at the
 * minutes past that hour's start the rule gives, if the rule takes the local hour (and day) the run
 * starts in (BYHOUR, BYDAY and the other filters are read on the local clock). So runs stay INTERVAL
 * hours apart across every change: a fall-back's repeated hour runs twice (01:00 EDT and 01:00 EST
 * are both 01:00), a skipped one not at all, and where a change moves the clock by half an hour
 * (Australia/Lord_Howe) the runs read half an hour off their planned minutes until the next change,
 * rather than two of them coming 30 minutes apart. COUNT counts these starts and UNTIL bounds them as
 * instants. Calls `take` in start order until it returns false.
 */
function elapsedHourStarts(
  rule: RRule,
  first: { start: number; wall: WallClock },
  range: { from: number; until: number; untilInstant: number | null },
  offsetAt: OffsetLookup,
  take: (start: number) => boolean,
): void {
  // A zone's offset is read once a UTC day, and an hour's own only on a day it changes (no zone changes it twice in a
  // day, nor back): a lookup is a formatter's work, and an hourly rule asked about years reads tens of thousands of hours.
  let day = Number.NaN;
  let dayOffset = 0;
  let steady = false;
  const toWall = (instant: number) => {
    const start = Math.floor(instant / DAY_MS) * DAY_MS;
    if (start !== day) {
      day = start;
      dayOffset = offsetAt(start);
      steady = offsetAt(start + DAY_MS - 1) === dayOffset;
    }
    return instant + (steady ? dayOffset : offsetAt(instant));
  };
  const { count, interval } = rule.options;
  const step = interval * HOUR_MS;
  // The local hour the planned start falls in, as an instant: each step starts an hour such as this one.
  const anchor = first.start - pastTheHour(first.wall);
  // COUNT is counted from the first run; otherwise the steps before the range are skipped.
  const firstStep = count === null ? Math.max(0, Math.floor((range.from - anchor) / step)) : 0;
  const end = Math.min(range.until, range.untilInstant === null ? Number.POSITIVE_INFINITY : range.untilInstant + 1);
  if (anchor + firstStep * step >= end) return;
  if (!HOUR_FILTERS.some((filter) => rule.origOptions[filter] != null)) {
    // No filter: every step is a run, at the planned start's minutes past its hour, so the runs before the
    // range are counted, not walked (a COUNT of thousands asked about its end costs as little as its start).
    const minute = first.start - anchor;
    const skipped = Math.max(0, Math.floor((range.from - anchor) / step));
    for (let k = count === null ? skipped : Math.min(skipped, count); count === null || k < count; k++) {
      const start = anchor + k * step + minute;
      if (start >= end || !take(start)) return;
    }
    return;
  }
  // The local starts the rule takes, read on a floating clock with every hour a step, a day either side of the steps' local hours,
  // a stretch at a time: a COUNT rule asked about a range far longer than its runs (a century) stops after its stretch, not
  // after listing every hour of the range.
  // A daily rule taking the same hours (every hour unless BYHOUR names some) gives the same local starts, walking days instead
  // of hours; BYSETPOS picks within the rule's own period, an hour here, so such a rule is read hour by hour.
  const reading = rule.origOptions.bysetpos == null ? { freq: RRule.DAILY, byhour: rule.origOptions.byhour ?? EVERY_HOUR } : {};
  // rrule walks from its DTSTART: each stretch is read by a rule starting a little before it, at the planned start's minutes
  // and seconds past the hour (those a rule without BYMINUTE or BYSECOND takes), not from the planned start years before.
  const hourlyFrom = (wall: number) =>
    new RRule({ ...rule.origOptions, ...reading, interval: 1, count: null, until: null, dtstart: new Date(wall - pastTheHour(wall) + pastTheHour(first.wall)) });
  let walls = new Set<number>();
  // Every hour the rule takes, it takes at the same minutes (its filters are hours and days), so the minutes of any one are all of them.
  let minutes: number[] = [];
  let readUntil = Number.NEGATIVE_INFINITY;
  let counted = 0;
  for (let hour = anchor + firstStep * step; hour < end; hour += step) {
    if (hour >= readUntil) {
      readUntil = Math.min(end, hour + HOURS_READ_AT_ONCE * HOUR_MS);
      const fromWall = toWall(hour) - 2 * DAY_MS;
      const read = hourlyFrom(fromWall).between(new Date(fromWall + DAY_MS), new Date(toWall(readUntil) + DAY_MS), true).map((floating) => floating.getTime());
      // None before the planned start, as the rule itself gives none (BYMINUTE=0,30 planned at :30 starts then, not at :00).
      walls = new Set(read.filter((wall) => wall >= first.wall));
      minutes = [...new Set([...walls].map(pastTheHour))].sort((a, b) => a - b);
    }
    for (const minute of minutes) {
      const start = hour + minute;
      const wall = toWall(start);
      if (!walls.has(wall - pastTheHour(wall) + minute)) continue;
      if (start >= end || (count !== null && counted === count)) return;
      counted++;
      if (!take(start)) return;
    }
  }
}

/** How far a wall clock is past the start of its hour (before 1970 too, where % gives a negative). */
function pastTheHour(wall: WallClock): number {
  return ((wall % HOUR_MS) + HOUR_MS) % HOUR_MS;
}

function floatingRule(
  text: string,
  dtstartWall: number,
  toWall: (instant: number) => number,
  offsetAt: OffsetLookup,
): { rule: RRule; untilInstant: number | null; untilGivenAsInstant: boolean } {
  // The contract's rule check is the one definition of what a window may recur by (no sub-hourly
  // FREQ: rrule walks every occurrence from DTSTART), so the API, events and expansion agree.
  const problem = recurrenceRuleProblem(text);
  if (problem) throw invalid(text, `it ${problem}`);
  // RFC 5545 values are case-insensitive; rrule reads upper case only.
  const value = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  try {
    const options = RRule.parseString(value);
    const untilGivenAsInstant = /UNTIL=\d{8}T\d{6}Z/.test(value);
    const until = floatingUntil(value, options.until, toWall);
    const rule = new RRule({ ...options, until, dtstart: new Date(dtstartWall), tzid: null });
    // A "Z" UNTIL bounds the runs as the instant it is; an hourly rule steps in elapsed time, so its local UNTIL is read as an instant too.
    const untilInstant = !until ? null : untilGivenAsInstant ? options.until!.getTime() : resolveWallClock(until.getTime(), offsetAt);
    return { rule, untilInstant, untilGivenAsInstant };
  } catch (error) {
    throw invalid(text, (error as Error).message);
  }
}

/**
 * UNTIL bounds the rule inclusively (RFC 5545). With "Z" it is an instant (with a zoned DTSTART):
 * the floating rule runs a day past its wall clock, which covers every offset, and the runs are
 * bounded by their instants (a gap-shifted or repeated-hour run's wall clock is not its instant's).
 * A bare date is the whole of that local day, so a Sunday 02:00 run is still in a rule ending on
 * that Sunday (rrule reads it as the day's 00:00).
 */
function floatingUntil(value: string, until: Date | null | undefined, toWall: (instant: number) => number): Date | null | undefined {
  if (!until) return until;
  if (/UNTIL=\d{8}T\d{6}Z/.test(value)) return new Date(toWall(until.getTime()) + DAY_MS);
  if (/UNTIL=\d{8}(?:;|$)/.test(value)) return new Date(until.getTime() + DAY_MS - 1);
  return until;
}

/**
 * The starts the EXDATEs remove, as instants. With "Z": that instant. Local: the instant the DST
 * rules give that wall clock (RFC 5545 reads EXDATE;TZID= so), and a run is removed when it starts
 * at that instant. So a gap-shifted run is removed by the local time it is shown at (03:30 on Berlin's
 * spring-forward day) as by the one its rule names (02:30), and in a repeated hour a local one
 * removes the first pass only: a run in the second pass stays.
 */
function excludedStarts(exdates: readonly string[], offsetAt: OffsetLookup): Set<number> {
  return new Set(exdates.map((exdate) => exdateInstant(exdate, offsetAt)));
}

function exdateInstant(exdate: string, offsetAt: OffsetLookup): number {
  const problem = exdateProblem(exdate);
  if (problem) throw invalid(exdate, `EXDATE ${problem}`);
  return exdate.endsWith('Z') ? Date.parse(exdate) : resolveWallClock(parseWallClock(exdate), offsetAt);
}

/** One exdate of a recurring window, as its rule reads it (readExdates). */
export interface ExdateReading {
  readonly exdate: string;
  /** The start it removes. */
  readonly instant: Date;
  /**
   * Which of the rule's runs it removes, counted from 0 at the first run with no exdate applied;
   * null when it removes none; undefined when it lies past the MAX_OCCURRENCES_LIMIT runs counted.
   */
  readonly run: number | null | undefined;
  /** For one that removes none, the run that starts nearest to it, if any. */
  readonly nearest?: InstantRange;
}

/** How far past the latest exdate readExdates looks for the rule's next run. */
const NEXT_RUN_REACH_MS = 10 * 366 * DAY_MS;

/**
 * Each of a recurring window's exdates with the run of its rule it removes (expandOccurrences's
 * EXDATE rules), counted with no exdate applied. One that removes none is most likely an offset
 * taken from the other side of a DST change (07:30Z in winter for a 08:30 run in Berlin), a date the
 * rule does not give, or a run's start before the window moved; it is given with the run nearest it.
 * A window without recurrence or exdates has none to read.
 */
export function readExdates(window: PlannedWindow): ExdateReading[] {
  const planned = planWindow(window);
  const exdates = planned.recurrence?.exdates ?? [];
  if (!planned.recurrence || exdates.length === 0) return [];
  const offsetAt = zoneOffsetLookup(planned.zone);
  const instants = exdates.map((exdate) => exdateInstant(exdate, offsetAt));
  const latest = Math.max(...instants);
  const { occurrences: runs, truncated } = expandOccurrences(
    { ...planned, recurrence: { rrule: planned.recurrence.rrule, exdates: [] } },
    { from: planned.start, until: new Date(Math.max(latest, planned.start.getTime()) + 1), maxCount: MAX_OCCURRENCES_LIMIT },
  );
  const runAt = new Map(runs.map((run, index) => [run.start.getTime(), index]));
  const lastCounted = runs.length > 0 ? runs[runs.length - 1].start.getTime() : Number.NEGATIVE_INFINITY;
  // The first run after the latest exdate is a candidate too: an exdate read early (the offset of the other side of a DST
  // change) lies just before the run it meant, and the runs above end at it. Ten years reach any rule's next run (29 February's).
  const after = truncated
    ? []
    : expandOccurrences(
        { ...planned, recurrence: { rrule: planned.recurrence.rrule, exdates: [] } },
        { from: new Date(Math.max(latest, lastCounted) + 1), until: new Date(latest + NEXT_RUN_REACH_MS), maxCount: 1 },
      ).occurrences.filter((run) => run.start.getTime() > lastCounted);
  const candidates = [...runs, ...after];
  return exdates.map((exdate, index) => {
    const instant = instants[index];
    const run = runAt.get(instant);
    if (run !== undefined) return { exdate, instant: new Date(instant), run };
    if (truncated && instant > lastCounted) return { exdate, instant: new Date(instant), run: undefined };
    const nearest = candidates.reduce<InstantRange | undefined>(
      (best, one) => (!best || Math.abs(one.start.getTime() - instant) < Math.abs(best.start.getTime() - instant) ? one : best),
      undefined,
    );
    return { exdate, instant: new Date(instant), run: null, ...(nearest ? { nearest } : {}) };
  });
}

function invalid(text: string, reason: string): TimeError {
  return new TimeError(TimeErrorCode.InvalidRecurrence, `Invalid recurrence "${text}": ${reason}.`);
}
