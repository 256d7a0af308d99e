import { expectOk, reach } from '../client/holdfast-api';
import { idFlag, printJson, utcInstant, type Command } from '../command';
import { utcTime } from '../output/local-times';
import { table } from '../output/table';
import { noteMore, readPages, type Page } from '../pages';

type Details = Record<string, unknown>;

interface AuditEntryView {
  subjectType: string;
  subjectId: string;
  action: string;
  actor: string;
  at: string;
  reason: string | null;
  causeEventId: string | null;
  details: Details;
}

const isNumber = (value: unknown): value is number => Number.isInteger(value);
const isNumbers = (value: unknown): value is number[] => Array.isArray(value) && value.every(isNumber);
const isTexts = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isInstant = (value: unknown): value is string => typeof value === 'string' && !Number.isNaN(Date.parse(value));
const isRecord = (value: unknown): value is Details => typeof value === 'object' && value !== null && !Array.isArray(value);

/** "run 2", "runs 1-5, 8": three or more consecutive numbers as a range, as a surge holding a daily window's month of runs would fill the row. */
function runList(numbers: readonly number[]): string {
  const spans: string[] = [];
  for (let first = 0; first < numbers.length; ) {
    let last = first;
    while (last + 1 < numbers.length && numbers[last + 1] === numbers[last] + 1) last += 1;
    if (last - first >= 2) spans.push(`${numbers[first]}-${numbers[last]}`);
    else spans.push(...numbers.slice(first, last + 1).map(String));
    first = last + 1;
  }
  return `${numbers.length === 1 ? 'run' : 'runs'} ${spans.join(', ') || 'none'}`;
}

/** A run by its number, with its start when the entry gives one (entries written before 2026-12-07 do not). */
const run = (number: number, details: Details) => `run ${number}${isInstant(details.startsAt) ? ` at ${utcTime(details.startsAt)}` : ''}`;
const names = (key: string) => (value: unknown) => (typeof value === 'string' ? `${key} ${value}` : undefined);
const timeOf = (key: string) => (value: unknown) => (isInstant(value) ? `${key} ${utcTime(value)}` : undefined);
const runsOf = (key: string) => (value: unknown) => (isNumbers(value) ? `${key} ${runList(value)}` : undefined);

/** Runs as [{number, startsAt}] (a change's cancelledRuns and reinstatedRuns, a hold's runs), or undefined for another shape. */
const isDatedRuns = (value: unknown): value is { number: number; startsAt: string }[] =>
  Array.isArray(value) && value.every((item) => isRecord(item) && isNumber(item.number) && isInstant(item.startsAt));
// Beyond a few runs their starts would fill the row: their numbers then, as runList gives them.
const DATED_RUNS_SHOWN = 3;
/** Runs by number, each with its start where `dated` (the entry's dated list of them) gives it and they are few. */
function datedRunList(numbers: readonly number[], dated: unknown): string {
  if (!isDatedRuns(dated) || numbers.length > DATED_RUNS_SHOWN) return runList(numbers);
  const startOf = new Map(dated.map((entry) => [entry.number, entry.startsAt]));
  return numbers.map((number) => (startOf.has(number) ? `run ${number} at ${utcTime(startOf.get(number)!)}` : `run ${number}`)).join(', ');
}
// None cancelled or reinstated says nothing: the change's other words say what it did.
const runsDated = (key: string, datedKey: string) => (value: unknown, details: Details) =>
  !isNumbers(value) ? undefined : value.length === 0 ? null : `${key} ${datedRunList(value, details[datedKey])}`;
/** A dated list beside the numbers it dates: said with them, or shown as it came when not of that shape. */
const datedBeside = (value: unknown) => (isDatedRuns(value) ? null : undefined);

/**
 * Each detail the planner writes, in words, in the order the ABOUT column gives them: what the entry is about first (the
 * other subject, the run), then what changed. Undefined when a value is not of the shape known (shown as it came), null
 * when another detail's words, or another column, say it already.
 */
const DETAIL_WORDS = new Map<string, (value: unknown, details: Details) => string | null | undefined>([
  ['windowId', names('window')],
  ['title', (value) => (typeof value === 'string' ? `"${value}"` : undefined)],
  ['number', (value, details) => (isNumber(value) ? run(value, details) : undefined)],
  // An override of every run of the window names none.
  ['occurrence', (value, details) => (value === null ? 'every run' : isNumber(value) ? run(value, details) : undefined)],
  [
    'startsAt',
    (value, details) => {
      if (isRecord(value) && isInstant(value.from) && isInstant(value.to)) return `start moved from ${utcTime(value.from)} to ${utcTime(value.to)}`;
      if (!isInstant(value)) return undefined;
      return isNumber(details.number) || isNumber(details.occurrence) ? null : `starts ${utcTime(value)}`;
    },
  ],
  // A run's end follows from its start and its window's length: --json gives it.
  ['endsAt', (value) => (isInstant(value) ? null : undefined)],
  ['previous', (value) => (isRecord(value) && isInstant(value.startsAt) ? `moved from ${utcTime(value.startsAt)}` : undefined)],
  ['automatic', (value) => (value === true ? 'automatic' : value === false ? null : undefined)],
  ['regions', (value) => (isTexts(value) ? `regions ${value.join(',')}` : undefined)],
  ['from', timeOf('from')],
  ['until', (value) => (value === null ? 'until released' : timeOf('until')(value))],
  // A count on a hold's entry, the runs themselves on a window's.
  ['occurrences', (value, details) => (isNumber(value) ? `${value} ${value === 1 ? 'run' : 'runs'}` : isNumbers(value) ? datedRunList(value, details.runs) : undefined)],
  // The runs a hold's entry dates (said with its occurrences), or a count of them (a window's runs off its zone's rules).
  ['runs', (value) => (isNumber(value) ? `${value} ${value === 1 ? 'run' : 'runs'}` : datedBeside(value))],
  ['holdId', names('hold')],
  // Held is what a hold does to a window; a notify-only window is flagged, and says so.
  ['kind', (value) => (value === 'held' ? null : typeof value === 'string' ? value : undefined)],
  ['changes', (value) => (isTexts(value) ? `changed ${value.join(', ')}` : undefined)],
  ['cancelled', runsDated('cancelled', 'cancelledRuns')],
  ['cancelledRuns', datedBeside],
  ['reinstated', runsDated('reinstated', 'reinstatedRuns')],
  ['reinstatedRuns', datedBeside],
  ['superseded', runsOf('superseded')],
  ['moved', (value) => (Array.isArray(value) && value.every((move) => isRecord(move) && isNumber(move.number)) ? `moved ${runList(value.map((move) => move.number))}` : undefined)],
  // The moves listed are the first few: the count says when there were more.
  ['movedCount', (value, details) => (isNumber(value) ? (Array.isArray(details.moved) && details.moved.length === value ? null : `${value} runs moved in all`) : undefined)],
  ['version', (value) => (isNumber(value) ? `version ${value}` : undefined)],
  ['clearedAt', timeOf('cleared')],
  ['releaseDueAt', timeOf('release due')],
  ['proposedSlot', (value) => (value === null ? 'no slot found' : isRecord(value) && isInstant(value.startsAt) ? `proposed slot ${utcTime(value.startsAt)}` : undefined)],
  ['why', (value) => (typeof value === 'string' ? value : undefined)],
  ['release', names('tzdata')],
  // The REASON column's: the planner reads it from the details.
  ['reason', () => null],
]);
const KNOWN = [...DETAIL_WORDS.keys()];

/** A detail this CLI has no words for (a newer planner's), as it came, cut short: --json gives it whole. */
function asItCame(key: string, value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `${key}=${text.length > 60 ? `${text.slice(0, 59)}…` : text}`;
}

const order = (key: string) => (DETAIL_WORDS.has(key) ? KNOWN.indexOf(key) : KNOWN.length);

/** What an entry is about, from its details: the run, the other subject, what changed; several subjects' entries read alike without it. */
function aboutEntry(details: Details): string {
  const keys = Object.keys(details).sort((one, other) => order(one) - order(other));
  const parts = keys.flatMap((key) => {
    const words = DETAIL_WORDS.get(key)?.(details[key], details);
    return words === null ? [] : [words ?? asItCame(key, details[key])];
  });
  return parts.join('; ') || '-';
}

/** The planner's audit trail: every transition of windows, runs and holds, who made it and what caused it. */
export const auditCommand: Command = {
  name: 'audit',
  usage: 'holdfast audit [--subject WINDOW_OR_HOLD_ID] [--from TIME] [--to TIME] [--limit N]',
  summary: 'the audit trail, oldest first: every transition of windows, runs and holds, what it is about, with who and why (the first 500, or --limit N)',
  options: { subject: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' } },
  async run(context) {
    const query = { subject: idFlag(context.values, 'subject', 'window or hold'), from: utcInstant(context.values, 'from'), to: utcInstant(context.values, 'to') };
    const body = await readPages(context, { pageMax: 1000, shown: 500 }, async (page) =>
      expectOk<Page<AuditEntryView>>(await reach(() => context.api.planner.GET('/v1/audit', { params: { query: { ...query, ...page } } }), 'maintenance-planner')),
    );
    if (context.json) return printJson(context.io, body);
    if (body.items.length === 0) {
      context.io.out('no audit entries\n');
      return;
    }
    context.io.out(
      table(
        ['AT (UTC)', 'SUBJECT', 'ID', 'ACTION', 'ABOUT', 'ACTOR', 'REASON', 'CAUSED BY EVENT'],
        body.items.map((entry) => [utcTime(entry.at), entry.subjectType, entry.subjectId, entry.action, aboutEntry(entry.details), entry.actor, entry.reason ?? '-', entry.causeEventId ?? '-']),
      ),
    );
    noteMore(context, body, 'audit entries');
  },
};
