import { z } from 'zod';

/**
 * What a window's recurrence may be, defined once: the API, the events and libs/time's expansion
 * all read a rule through `recurrenceRuleProblem`, so they accept exactly the same rules.
 * RFC 5545 values are case-insensitive; DTSTART and TZID come from the window, never the rule.
 */
export const RECURRENCE_FREQUENCIES = ['HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;

const list = (item: string) => new RegExp(`^${item}(?:,${item})*$`);
const signed = (max: string) => `[+-]?(?:${max})`;
const WEEKDAY = '(?:MO|TU|WE|TH|FR|SA|SU)';

// Each part a window rule may use, with the values it takes. Sub-hourly FREQ values and BYSECOND
// are left out: a maintenance window recurs at most hourly, and rrule walks every occurrence.
const RULE_PARTS: Record<string, { pattern: RegExp; hint: string }> = {
  FREQ: { pattern: new RegExp(`^(?:${RECURRENCE_FREQUENCIES.join('|')})$`), hint: `one of ${RECURRENCE_FREQUENCIES.join(', ')} (a window recurs at most hourly)` },
  UNTIL: { pattern: /^\d{8}(?:T\d{6}Z?)?$/, hint: 'a date YYYYMMDD or date-time YYYYMMDDTHHMMSS[Z]' },
  COUNT: { pattern: /^[1-9]\d{0,4}$/, hint: 'a whole number from 1 to 99999' },
  INTERVAL: { pattern: /^[1-9]\d{0,3}$/, hint: 'a whole number from 1 to 9999' },
  BYMINUTE: { pattern: list('(?:[0-5]?\\d)'), hint: 'minutes 0-59' },
  BYHOUR: { pattern: list('(?:1?\\d|2[0-3])'), hint: 'hours 0-23' },
  BYDAY: { pattern: list(`(?:[+-]?(?:[1-4]?\\d|5[0-3])?${WEEKDAY})`), hint: 'days such as MO,TU or 1MO,-1FR' },
  BYMONTHDAY: { pattern: list(signed('[1-9]|[12]\\d|3[01]')), hint: 'days of the month 1-31 or -31..-1' },
  BYYEARDAY: { pattern: list(signed('[1-9]\\d?|[12]\\d\\d|3[0-5]\\d|36[0-6]')), hint: 'days of the year 1-366' },
  BYWEEKNO: { pattern: list(signed('[1-9]|[1-4]\\d|5[0-3]')), hint: 'weeks 1-53' },
  BYMONTH: { pattern: list('(?:[1-9]|1[0-2])'), hint: 'months 1-12' },
  BYSETPOS: { pattern: list(signed('[1-9]\\d?|[12]\\d\\d|3[0-5]\\d|36[0-6]')), hint: 'positions 1-366 or -366..-1' },
  WKST: { pattern: new RegExp(`^${WEEKDAY}$`), hint: 'a weekday such as MO' },
};

// BY parts that filter (rather than expand) each FREQ step, per RFC 5545's table.
const LIMITING_PARTS: Record<(typeof RECURRENCE_FREQUENCIES)[number], string[]> = {
  HOURLY: ['BYHOUR', 'BYDAY', 'BYMONTHDAY', 'BYYEARDAY', 'BYMONTH', 'BYWEEKNO'],
  DAILY: ['BYDAY', 'BYMONTHDAY', 'BYYEARDAY', 'BYMONTH', 'BYWEEKNO'],
  WEEKLY: ['BYMONTH', 'BYWEEKNO'],
  MONTHLY: ['BYMONTH'],
  YEARLY: [],
};

/** Why `text` is not a rule a window may recur by, or null when it is one. */
export function recurrenceRuleProblem(text: string): string | null {
  const value = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  if (value === '') return 'is empty; write an RRULE value such as FREQ=WEEKLY;BYDAY=SU';
  const seen = new Set<string>();
  for (const part of value.split(';')) {
    const [name, partValue, extra] = part.split('=');
    if (name === 'DTSTART' || name === 'TZID') return `must not carry ${name}: the start and zone come from the window`;
    const spec = RULE_PARTS[name];
    if (!spec || partValue === undefined || extra !== undefined) return `has "${part}", which is not a part a window rule may use (${Object.keys(RULE_PARTS).join(', ')})`;
    if (seen.has(name)) return `names ${name} twice`;
    seen.add(name);
    if (!spec.pattern.test(partValue)) return `has ${name}=${partValue}; ${name} takes ${spec.hint}`;
  }
  if (!seen.has('FREQ')) return 'needs a FREQ part, such as FREQ=WEEKLY;BYDAY=SU';
  if (seen.has('COUNT') && seen.has('UNTIL')) return 'may have COUNT or UNTIL, not both';
  const interval = /(?:^|;)INTERVAL=(\d+)/.exec(value)?.[1];
  const freq = /(?:^|;)FREQ=([A-Z]+)/.exec(value)?.[1] as (typeof RECURRENCE_FREQUENCIES)[number];
  const limiting = LIMITING_PARTS[freq].filter((part) => seen.has(part));
  // rrule steps by INTERVAL and filters by these parts; misaligned, no step ever matches and it never returns.
  if (interval !== undefined && Number(interval) > 1 && limiting.length > 0) {
    return `combines INTERVAL=${interval} with ${limiting.join(', ')}, which may never match a ${freq.toLowerCase()} step; use INTERVAL=1 or list the times instead`;
  }
  return null;
}

/** One RFC 5545 RRULE value, optionally prefixed 'RRULE:'; DTSTART is startsAt in plannedZone. */
export const RecurrenceRuleSchema = z
  .string()
  .max(500)
  .superRefine((text, context) => {
    const problem = recurrenceRuleProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: `must be an RFC 5545 RRULE a window may recur by: it ${problem}` });
  })
  // Monday: the startsAt example (2026-06-14T21:00:00Z) in the plannedZone example (Asia/Tehran) is a Monday, and a start off its rule is refused.
  .meta({ description: 'RFC 5545 RRULE value (FREQ HOURLY to YEARLY); DTSTART and TZID come from the window.', examples: ['FREQ=WEEKLY;BYDAY=MO'] });

const EXDATE_LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/;
const EXDATE_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z$/;

/** Why `text` is not an EXDATE value, or null when it is one. */
export function exdateProblem(text: string): string | null {
  if (EXDATE_LOCAL.test(text)) {
    const wall = new Date(`${text}:00Z`);
    return Number.isFinite(wall.getTime()) && wall.toISOString().slice(0, 16) === text ? null : 'is not a real calendar time';
  }
  if (EXDATE_INSTANT.test(text) && Number.isFinite(Date.parse(text))) return null;
  return 'must be a local start in the planned zone (2026-03-11T02:00) or an instant ending in Z';
}

/**
 * One excluded occurrence (RFC 5545 EXDATE): its local start "YYYY-MM-DDTHH:mm" in the window's
 * planned zone (as EXDATE;TZID=...: in the hour a fall-back change repeats, the first pass; in a
 * spring-forward gap, the time shifted forward, so 02:30 and 03:30 both name a run shown at 03:30),
 * or its start instant ending in Z.
 */
export const ExdateSchema = z
  .string()
  .superRefine((text, context) => {
    const problem = exdateProblem(text);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  })
  .meta({ examples: ['2026-03-11T02:00', '2026-03-25T01:00:00Z'] });

export const ExdateListSchema = z.array(ExdateSchema).max(1000);
