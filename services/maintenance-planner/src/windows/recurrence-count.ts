import { expandOccurrences, type InstantRange, MAX_OCCURRENCES_LIMIT, type PlannedWindow, readExdates, type Recurrence } from '@holdfast/time';

/** What a replan keeps of a window's runs: every run up to the last one kept, and none that is over by now. */
export interface RunsKept {
  /** The start of the last run kept (completed, in progress, missed, or over by now); null when none is. */
  readonly lastStart: Date | null;
  readonly now: Date;
}

/** Whether a replan stores this run of the new plan: the plan takes over after the last run kept and never plans again a run that has ended. */
export function replanStores(run: InstantRange, kept: RunsKept): boolean {
  return run.end > kept.now && (kept.lastStart === null || run.start > kept.lastStart);
}

const COUNT_PART = /^COUNT=(\d+)$/i;

/** A rule's COUNT, or undefined when it has none. */
export function countOf(rule: string): number | undefined {
  const part = rule.split(';').find((one) => COUNT_PART.test(one));
  return part === undefined ? undefined : Number(COUNT_PART.exec(part)![1]);
}

/** The rule with its COUNT set to `count`, its other parts as they are. */
export function withCount(rule: string, count: number): string {
  return rule
    .split(';')
    .map((part) => (COUNT_PART.test(part) ? `COUNT=${count}` : part))
    .join(';');
}

/**
 * A COUNT-limited series' dates as a replan meets them. COUNT counts the rule's dates from startsAt,
 * the exdated ones among them (RFC 5545 takes EXDATEs out after COUNT), while a replan stores only
 * the dates after the runs it keeps: `passed` is how many of the rule's first dates it leaves out
 * (up to the last run kept, or over by now), `skipped` the dates the exdates take out, by their
 * index from 0.
 */
export interface CountedDates {
  readonly passed: number;
  readonly skipped: ReadonlySet<number>;
}

export function countedDates(window: PlannedWindow & { readonly recurrence: Recurrence }, kept: RunsKept): CountedDates {
  // Without COUNT, so the dates past the rule's own COUNT are counted too: a COUNT advised may be larger.
  const rrule = window.recurrence.rrule
    .split(';')
    .filter((part) => !COUNT_PART.test(part))
    .join(';');
  // Every date a replan leaves out starts before this: up to the last run kept, or ended by now.
  const until = Math.max(kept.lastStart?.getTime() ?? 0, kept.now.getTime()) + 1;
  const dates =
    until > window.start.getTime()
      ? expandOccurrences({ ...window, recurrence: { rrule, exdates: [] } }, { from: window.start, until: new Date(until), maxCount: MAX_OCCURRENCES_LIMIT }).occurrences
      : [];
  // The runs of a rule never overlap, so the dates left out come first.
  const firstStored = dates.findIndex((date) => replanStores(date, kept));
  const exdated = readExdates({ ...window, recurrence: { rrule, exdates: window.recurrence.exdates ?? [] } });
  return {
    passed: firstStored === -1 ? dates.length : firstStored,
    skipped: new Set(exdated.flatMap((reading) => (typeof reading.run === 'number' ? [reading.run] : []))),
  };
}

/** How many runs a replan stores of the series with COUNT=`count`. */
export function runsStored(dates: CountedDates, count: number): number {
  let stored = 0;
  for (let index = dates.passed; index < count; index++) if (!dates.skipped.has(index)) stored++;
  return stored;
}

/** The smallest COUNT of which a replan stores `runs` runs (at least one). */
export function countStoring(dates: CountedDates, runs: number): number {
  let count = dates.passed;
  let stored = 0;
  while (stored < Math.max(1, runs)) {
    if (!dates.skipped.has(count)) stored++;
    count++;
  }
  return count;
}
