import { RRule, type Options } from 'rrule';

// RFC 5545's order of rule parts (the ABNF of section 3.3.10), as rrule names them; rrule itself writes them in the order they were sent.
const PART_ORDER: readonly (keyof Options)[] = ['freq', 'until', 'count', 'interval', 'byminute', 'byhour', 'byweekday', 'bymonthday', 'byyearday', 'byweekno', 'bymonth', 'bysetpos', 'wkst'];

/**
 * A rule a window may recur by (`recurrenceRuleProblem` found none in it), written one way: upper
 * case, without the RRULE: prefix, its parts in RFC 5545's order, each value as rrule writes it
 * (`freq=weekly;byday=1mo` and `RRULE:BYDAY=+1MO;FREQ=WEEKLY` are both FREQ=WEEKLY;BYDAY=+1MO),
 * so two windows recurring alike read alike. UNTIL is kept as written: rrule writes every UNTIL as
 * a UTC instant, and a date or local one is read in the planned zone, so rewritten it would move
 * the series' end. A rule rrule cannot read (BYDAY=0MO) is kept as sent, for the expansion to
 * refuse as it always has.
 */
export function canonicalRecurrenceRule(text: string): string {
  const value = text.trim().replace(/^RRULE:/i, '').toUpperCase();
  let parsed: Partial<Options>;
  try {
    parsed = RRule.parseString(value);
  } catch {
    return text;
  }
  const ordered = Object.fromEntries(PART_ORDER.filter((key) => parsed[key] !== undefined).map((key) => [key, parsed[key]])) as Partial<Options>;
  const written = RRule.optionsToString(ordered).replace(/^RRULE:/, '');
  const until = /(?:^|;)UNTIL=([^;]+)/.exec(value)?.[1];
  return until === undefined ? written : written.replace(/(^|;)UNTIL=[^;]+/, `$1UNTIL=${until}`);
}
