import { TimeError, TimeErrorCode } from '../errors/time.error';
import { assertKnownZone } from '../zones/iana-zone';
import { MINUTE_MS, wallClockToInstant } from '../zones/wall-clock';

/** Half-open [start, end) between two instants. */
export interface InstantRange {
  readonly start: Date;
  readonly end: Date;
}

/** RFC 5545 recurrence of a window, read in the window's own zone. */
export interface Recurrence {
  /** RRULE value, e.g. "FREQ=WEEKLY;BYDAY=SU" (DTSTART and TZID come from the window). */
  readonly rrule: string;
  /**
   * EXDATE values: local "YYYY-MM-DDTHH:mm" in the window's zone (resolved to an instant by the
   * gap and overlap rules, as RFC 5545 EXDATE;TZID=..., and matched on that instant) or instants
   * ending in "Z".
   */
  readonly exdates?: readonly string[];
}

/**
 * A maintenance window as time: the instants it covers and the IANA zone it was planned in.
 * The zone is kept, never the offset: offsets are derived on demand from the current tz data.
 */
export interface PlannedWindow extends InstantRange {
  readonly zone: string;
  readonly recurrence?: Recurrence;
  /**
   * The local start "YYYY-MM-DDTHH:mm" the window was planned at, when it was planned on the wall
   * clock: recurrences repeat it, so a first start moved out of a DST gap does not move the others.
   * Without it, the recurrence repeats the wall clock of `start`.
   */
  readonly localStart?: string;
}

export function assertInstantRange(range: InstantRange, what = 'range'): InstantRange {
  const start = range.start.getTime();
  const end = range.end.getTime();
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) {
    throw new TimeError(
      TimeErrorCode.InvalidRange,
      `Invalid ${what}: its end (${describe(range.end)}) must be a valid instant after its start (${describe(range.start)}).`,
    );
  }
  return range;
}

export function planWindow(window: PlannedWindow): PlannedWindow {
  assertKnownZone(window.zone);
  assertInstantRange(window, 'window');
  return Object.freeze({ ...window, start: new Date(window.start), end: new Date(window.end) });
}

export interface LocalWindowPlan {
  /** Local start "YYYY-MM-DDTHH:mm" in `zone`. */
  readonly localStart: string;
  /** Real elapsed minutes: a 4-hour window lasts 4 hours even across a DST change. */
  readonly durationMinutes: number;
  readonly zone: string;
  readonly recurrence?: Recurrence;
}

/** Plans a window from a local start; a start in a DST gap or overlap follows `resolveWallClock`. */
export function planWindowFromLocal(plan: LocalWindowPlan): PlannedWindow {
  if (!(plan.durationMinutes > 0)) {
    throw new TimeError(TimeErrorCode.InvalidRange, `Invalid window duration ${plan.durationMinutes} minutes: it must be positive.`);
  }
  const start = wallClockToInstant(plan.localStart, assertKnownZone(plan.zone));
  const end = new Date(start.getTime() + plan.durationMinutes * MINUTE_MS);
  return planWindow({ start, end, zone: plan.zone, localStart: plan.localStart, ...(plan.recurrence ? { recurrence: plan.recurrence } : {}) });
}

export function windowDurationMs(range: InstantRange): number {
  return range.end.getTime() - range.start.getTime();
}

export function rangesOverlap(a: InstantRange, b: InstantRange): boolean {
  return a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime();
}

function describe(instant: Date): string {
  return Number.isFinite(instant.getTime()) ? instant.toISOString() : 'invalid date';
}
