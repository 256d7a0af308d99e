import { overlapInZone } from './clock-change';

/** A run as the horizon step reads it: its times, and whether it is stored already or is one the step would add. */
export interface HorizonRun {
  start: Date;
  end: Date;
  stored: boolean;
}

/**
 * Why the sweep's horizon step stores none of a recurring window's new runs: the checks a create or
 * PATCH makes (overlapping-occurrences, window-too-long), met by a window stored before a rule or a
 * bound changed. `runs` are the pair that overlaps, or the run too long.
 */
export interface HorizonRefusal {
  windowId: string;
  reason: 'overlapping-occurrences' | 'occurrence-too-long';
  runs: { startsAt: string; endsAt: string; stored: boolean }[];
  detail: string;
}

const shown = (run: HorizonRun) => ({ startsAt: run.start.toISOString(), endsAt: run.end.toISOString(), stored: run.stored });

/**
 * The first reason the runs to add (`stored: false`) may not be stored beside the window's stored
 * ones, or undefined. Overlaps among stored runs alone are history, not this step's to judge; a new
 * run is checked against every run before it, stored or new, through the one that ends latest. An
 * overlap is said in the window's `zone` too: a spring-forward day brings a daily window's runs together.
 */
export function refuseRuns(windowId: string, runs: readonly HorizonRun[], maxDurationMs: number, zone: string): HorizonRefusal | undefined {
  const added = runs.filter((run) => !run.stored);
  const tooLong = added.find((run) => run.end.getTime() - run.start.getTime() > maxDurationMs);
  if (tooLong) {
    const hours = (ms: number) => `${Math.round(ms / 3_600_000).toLocaleString('en-US')} hours`;
    return {
      windowId,
      reason: 'occurrence-too-long',
      runs: [shown(tooLong)],
      detail: `Its run from ${tooLong.start.toISOString()} to ${tooLong.end.toISOString()} lasts ${hours(tooLong.end.getTime() - tooLong.start.getTime())}, longer than the ${hours(maxDurationMs)} a window may last (WINDOW_MAX_DURATION_HOURS).`,
    };
  }
  const inOrder = [...runs].sort((a, b) => a.start.getTime() - b.start.getTime() || Number(a.stored) - Number(b.stored));
  let latest: HorizonRun | undefined;
  let latestAdded: HorizonRun | undefined;
  for (const run of inOrder) {
    // A new run meets any earlier run; a stored one only the new runs before it.
    const before = run.stored ? latestAdded : latest;
    if (before && before.end > run.start) {
      return {
        windowId,
        reason: 'overlapping-occurrences',
        runs: [shown(before), shown(run)],
        detail: `The run from ${before.start.toISOString()} lasts until ${before.end.toISOString()}, after the next run starts at ${run.start.toISOString()}${overlapInZone(before, run, zone)}: a run must end before the next begins.`,
      };
    }
    if (!latest || run.end > latest.end) latest = run;
    if (!run.stored && (!latestAdded || run.end > latestAdded.end)) latestAdded = run;
  }
  return undefined;
}
