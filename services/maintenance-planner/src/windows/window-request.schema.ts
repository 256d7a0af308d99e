import {
  BidiSafeText,
  ExdateListSchema,
  FlexibilitySchema,
  RequestFootprintSchema,
  InstantSchema,
  OccurrenceStatusSchema,
  StatedReasonSchema,
  RecurrenceRuleSchema,
  requestZoneSchema,
  SurgePolicySchema,
  TeamSchema,
  WindowPrioritySchema,
} from '@holdfast/contracts';
import { canonicalZoneName } from '@holdfast/regions';
import { canonicalRecurrenceRule, parseLocalHours, type LocalHoursRange } from '@holdfast/time';
import { CursorSchema, daysInWords, PageLimitSchema, rangeInOrder } from '@holdfast/service-kit';
import { z } from 'zod';

/** `override: {reason}` lets a window be planned or moved into an active hold; recorded with who and why. */
export const OverrideRequestSchema = z.strictObject({ reason: StatedReasonSchema });

/**
 * Stored as tzdb names ("europe/berlin" as Europe/Berlin, Asia/Calcutta as Asia/Kolkata, GMT as
 * Etc/GMT): the zone is looked up by name (its country, the calendar page's zone list) and written
 * into ICS feeds, where a spelling only Intl accepts matches nothing. An abbreviation (PST, EST) is
 * refused here, naming the zone ICU reads it as, as every event and libs/time refuse it.
 */
const PlannedZoneSchema = requestZoneSchema(canonicalZoneName);

/** Stored and answered in one spelling (`freq=weekly;byday=mo` as FREQ=WEEKLY;BYDAY=MO), so two windows recurring alike read alike. */
const WindowRecurrenceSchema = RecurrenceRuleSchema.transform(canonicalRecurrenceRule);

/**
 * A rule, or null for none: many clients write a field they leave out as null, and a PATCH has taken
 * null as "make it one-off" all along, so a POST takes it as a one-off window too.
 */
const RecurrenceOrNoneSchema = WindowRecurrenceSchema.nullable().meta({
  description: 'RFC 5545 RRULE value (FREQ HOURLY to YEARLY); DTSTART and TZID come from the window. Null, or left out, for a one-off window (one without exdates).',
});

const windowFields = {
  // Shown on every list, feed and message: a title of spaces alone reads as none, one with a bidirectional override as another.
  title: z
    .string()
    .min(1)
    .max(200)
    .refine((text) => text.length === 0 || text.trim().length > 0, { error: 'must name the work (it is only white space)' })
    .check(BidiSafeText),
  // A team a key can be issued for: a window owned by any other name could be changed by no team key, nor read in its team's feed.
  ownerTeam: TeamSchema,
  footprint: RequestFootprintSchema,
  startsAt: InstantSchema,
  endsAt: InstantSchema,
  plannedZone: PlannedZoneSchema,
  recurrence: RecurrenceOrNoneSchema.optional().transform((rule) => rule ?? undefined),
  exdates: ExdateListSchema.optional(),
  priority: WindowPrioritySchema.default('routine'),
  surgePolicy: SurgePolicySchema.default('hold'),
  flexibility: FlexibilitySchema.optional(),
};

const timesInOrder = (window: { startsAt?: string; endsAt?: string }) => !window.startsAt || !window.endsAt || Date.parse(window.startsAt) < Date.parse(window.endsAt);

/** The shortest a window may last: work shorter than this needs no window, and a few milliseconds is a time typed wrong. */
const WINDOW_MIN_DURATION_MS = 60_000;

/**
 * Why a window's times are too close together, or undefined: a window lasting less than a minute
 * (100 ms, say, an end written to the wrong field) was stored, held and gated as any other.
 */
export function windowTooShort(window: { startsAt?: string; endsAt?: string }): string | undefined {
  if (!window.startsAt || !window.endsAt) return undefined;
  const lastsMs = Date.parse(window.endsAt) - Date.parse(window.startsAt);
  if (lastsMs <= 0 || lastsMs >= WINDOW_MIN_DURATION_MS) return undefined;
  return `must be at least 1 minute after startsAt: the window lasts ${lastsMs / 1000} seconds`;
}

const exdatesNeedRecurrence = (window: { recurrence?: string | null; exdates?: string[] }) => !window.exdates?.length || !!window.recurrence;

/**
 * Why a window's flexibility cannot hold the window, or undefined: a range shorter than the window
 * would only be found out when a surge needs a slot for it (the suggestions answer 422 then).
 */
export function flexibilityTooShort(window: { startsAt?: string; endsAt?: string; flexibility?: { earliestStartAt: string; deadlineAt: string } | null }): string | undefined {
  if (!window.flexibility || !window.startsAt || !window.endsAt) return undefined;
  const lasts = Date.parse(window.endsAt) - Date.parse(window.startsAt);
  const room = Date.parse(window.flexibility.deadlineAt) - Date.parse(window.flexibility.earliestStartAt);
  if (room >= lasts) return undefined;
  return `leaves ${room / 60_000} minutes from earliestStartAt, and the window lasts ${lasts / 60_000}: no slot fits; move deadlineAt later`;
}

const MINUTES_A_DAY = 24 * 60;

/** The most allowed local minutes in a row, ranges joined across midnight (22:00-24:00 and 00:00-04:00 are six hours); a whole day's when they cover it. */
export function longestAllowedMinutes(ranges: readonly LocalHoursRange[]): number {
  const allowed = new Uint8Array(MINUTES_A_DAY);
  // The slot search's own reading of the ranges: a span that wraps past midnight ends after 1440.
  for (const { fromMinute, toMinute } of parseLocalHours(ranges)) for (let minute = fromMinute; minute < toMinute; minute++) allowed[minute % MINUTES_A_DAY] = 1;
  if (allowed.every((flag) => flag === 1)) return Infinity;
  let longest = 0;
  let run = 0;
  // Twice round the clock, so a run across midnight is counted whole.
  for (let index = 0; index < 2 * MINUTES_A_DAY; index++) {
    run = allowed[index % MINUTES_A_DAY] ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/**
 * Why a window's allowed local hours cannot hold the window, or undefined: a slot must lie within
 * them, so ranges shorter than a run leave no slot anywhere. (A night whose clocks go back lengthens
 * a range by up to an hour once a year: not a slot anyone plans for.)
 */
export function allowedHoursTooShort(window: { startsAt?: string; endsAt?: string; flexibility?: { allowedLocalHours?: { ranges: LocalHoursRange[] } } | null }): string | undefined {
  const ranges = window.flexibility?.allowedLocalHours?.ranges;
  if (!ranges?.length || !window.startsAt || !window.endsAt) return undefined;
  const lasts = (Date.parse(window.endsAt) - Date.parse(window.startsAt)) / 60_000;
  const longest = longestAllowedMinutes(ranges);
  if (longest >= lasts) return undefined;
  return `leave at most ${longest} minutes in a row, and the window lasts ${lasts}: no slot fits within them; widen a range`;
}

/** A flexibility instant further ahead of now than planning allows, and by how much. */
export interface FlexibilityTooFarAhead {
  path: 'flexibility.earliestStartAt' | 'flexibility.deadlineAt';
  at: string;
  aheadMs: number;
  message: string;
}

/**
 * The flexibility instants further ahead than PLAN_MAX_AHEAD_DAYS, as a window's first run is
 * bounded (the deadline by the window's length more: a run starting at the bound ends there). A
 * year typed wrong (2062 for 2026) would have slots searched, and runs moved automatically
 * (autoMove), decades ahead, or no slot proposed at all past the search's limit of candidates.
 */
export function flexibilityTooFarAhead(flexibility: { earliestStartAt: string; deadlineAt: string }, lastsMs: number, now: Date, maxAheadMs: number): FlexibilityTooFarAhead[] {
  const bound = `${daysInWords(maxAheadMs)} from now`;
  const checks = [
    { path: 'flexibility.earliestStartAt' as const, at: flexibility.earliestStartAt, limitMs: maxAheadMs, message: `more than ${bound}` },
    { path: 'flexibility.deadlineAt' as const, at: flexibility.deadlineAt, limitMs: maxAheadMs + lastsMs, message: `more than ${bound} and the window's length` },
  ];
  return checks
    .map((check) => ({ ...check, aheadMs: Date.parse(check.at) - now.getTime() }))
    .filter((check) => check.aheadMs > check.limitMs)
    .map(({ path, at, aheadMs, message }) => ({ path, at, aheadMs, message }));
}

/** What is too far ahead, in words: each instant, how far ahead it is, and the setting bounding it. */
export function tooFarAheadInWords(tooFar: readonly FlexibilityTooFarAhead[], now: Date, maxAheadMs: number): string {
  const instants = tooFar.map((entry) => `${entry.path} ${entry.at} is ${daysInWords(entry.aheadMs)} from now`).join(', ');
  return `${instants} (${now.toISOString()}), further ahead than the ${daysInWords(maxAheadMs)} a window may be planned (PLAN_MAX_AHEAD_DAYS)`;
}

/** POST /v1/windows: the contract's window fields (one definition), defaults for priority and surge policy; `recurrence: null` plans a one-off. */
export const CreateWindowSchema = z
  .strictObject({ ...windowFields, override: OverrideRequestSchema.optional() })
  .refine(timesInOrder, { error: 'must be after startsAt', path: ['endsAt'] })
  .refine(exdatesNeedRecurrence, { error: 'only a recurring window has exdates', path: ['exdates'] })
  .superRefine((window, context) => {
    const tooShort = windowTooShort(window);
    if (tooShort) context.addIssue({ code: 'custom', message: tooShort, path: ['endsAt'] });
    const problem = flexibilityTooShort(window);
    if (problem) context.addIssue({ code: 'custom', message: problem, path: ['flexibility', 'deadlineAt'] });
    const hoursProblem = allowedHoursTooShort(window);
    if (hoursProblem) context.addIssue({ code: 'custom', message: hoursProblem, path: ['flexibility', 'allowedLocalHours', 'ranges'] });
  });
export type CreateWindowRequest = z.infer<typeof CreateWindowSchema>;

/** PATCH /v1/windows/{id}: any window field; `version` here or in If-Match; `recurrence: null` makes it one-off. */
export const UpdateWindowSchema = z.strictObject({
  version: z.int().min(1).optional(),
  title: windowFields.title.optional(),
  ownerTeam: windowFields.ownerTeam.optional(),
  footprint: RequestFootprintSchema.optional(),
  startsAt: InstantSchema.optional(),
  endsAt: InstantSchema.optional(),
  plannedZone: PlannedZoneSchema.optional(),
  recurrence: RecurrenceOrNoneSchema.optional(),
  exdates: ExdateListSchema.optional(),
  priority: WindowPrioritySchema.optional(),
  surgePolicy: SurgePolicySchema.optional(),
  flexibility: FlexibilitySchema.nullable().optional(),
  override: OverrideRequestSchema.optional(),
});
export type UpdateWindowRequest = z.infer<typeof UpdateWindowSchema>;

export const CancelWindowSchema = z.strictObject({ reason: StatedReasonSchema, version: z.int().min(1).optional() });
/** DELETE /v1/windows/{id}?reason=: the same cancellation, the reason in the query (a DELETE has no body to put it in). */
export const CancelWindowQuerySchema = z.strictObject({ reason: StatedReasonSchema });
// Runs are numbered 1, 2, ... in a PostgreSQL integer column: a number past its range names no run, and PostgreSQL refuses to look it up.
export const OccurrenceNumberSchema = z.int().min(1).max(2_147_483_647);
export const WindowOverrideSchema = z.strictObject({ reason: StatedReasonSchema, occurrence: OccurrenceNumberSchema.optional() });

export const ListWindowsQuerySchema = z.strictObject({
  from: InstantSchema.optional(),
  to: InstantSchema.optional(),
  // Trimmed, as the gate's regions and the analyzer's filter: a pasted code carries spaces, and one of spaces only is no filter.
  region: z.string().trim().min(1).max(32).optional(),
  team: z.string().min(1).max(200).optional(),
  status: z.enum(['scheduled', 'held', 'needs-reschedule', 'in-progress', 'completed', 'cancelled']).optional(),
  limit: PageLimitSchema(500, 50),
  cursor: CursorSchema,
}).superRefine(rangeInOrder);

/** A window's runs in order: a daily window keeps its past runs, so after some years they fill more than one page. */
export const OccurrencesQuerySchema = z.strictObject({
  from: InstantSchema.optional().meta({ description: 'only the runs ending after this instant' }),
  to: InstantSchema.optional().meta({ description: 'only the runs starting before this instant' }),
  status: OccurrenceStatusSchema.optional(),
  limit: PageLimitSchema(2000, 2000),
  cursor: CursorSchema,
}).superRefine(rangeInOrder);
