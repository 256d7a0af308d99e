import { instantToWallClock, wallClockToInstant } from '@holdfast/time';

/** A run's times. */
export interface RunTimes {
  readonly start: Date;
  readonly end: Date;
}

/** A stored run, by its number. */
export interface StoredRun extends RunTimes {
  readonly number: number;
}

/** A stored run the rule no longer gives, with the run the rule gives nearest to it that no stored run matches. */
export interface RunOffRule {
  readonly run: StoredRun;
  readonly ruleRun: RunTimes | null;
}

/** A run the planner moved to a slot of its own (audited `rescheduled`), and the start it moved it to. */
export interface RunMovedToSlot {
  readonly number: number;
  readonly start: Date;
}

const key = (run: RunTimes): string => `${run.start.getTime()}/${run.end.getTime()}`;

/**
 * The stored runs that `ruleRuns` (the same stretch of the window's rule, expanded now) does not
 * give at the same start and end, in number order. Each is paired with the nearest rule run by
 * start among those no stored run matches: after a change of the zone's rules that is the run it
 * was meant to be, an hour or so away. A run the planner moved to a slot differs from its rule on
 * purpose: callers leave it out first (withoutRunsMovedToSlots).
 */
export function runsOffRule(stored: readonly StoredRun[], ruleRuns: readonly RunTimes[]): RunOffRule[] {
  const storedKeys = new Set(stored.map(key));
  const ruleKeys = new Set(ruleRuns.map(key));
  const unmatched = ruleRuns.filter((run) => !storedKeys.has(key(run)));
  const nearest = (run: StoredRun): RunTimes | null => {
    let best: RunTimes | null = null;
    for (const candidate of unmatched) {
      if (!best || Math.abs(candidate.start.getTime() - run.start.getTime()) < Math.abs(best.start.getTime() - run.start.getTime())) best = candidate;
    }
    return best;
  };
  return stored
    .filter((run) => !ruleKeys.has(key(run)))
    .sort((a, b) => a.number - b.number)
    .map((run) => ({ run, ruleRun: nearest(run) }));
}

/** A stored run moved to its rule run: its number kept, its times before and after. */
export interface RunMove {
  readonly number: number;
  readonly previous: RunTimes;
  readonly start: Date;
  readonly end: Date;
}

/** What puts a window's stored runs to come where its rule now puts them. */
export interface RunsToRule {
  readonly moves: RunMove[];
  /**
   * The first rule run after the last stored run's that starts before the horizon: one the new
   * rules brought in from past it, for the horizon step to plan from there; null when there is none.
   */
  readonly uncoveredFrom: Date | null;
}

/**
 * The moves that put the stored runs to come (`stored`, before the horizon `through` and up to
 * `maxShiftMs` past it) at the rule's runs (`ruleRuns`, expanded from `maxShiftMs` before `now` to
 * as long after `through`), when they pair: the stored runs in number order also in time order,
 * each paired with the nearest rule run within `maxShiftMs` of it not paired before, and as long.
 * A change of a zone's rules moves every run by the same hour or so and keeps their order, and
 * every run lasts the window's real duration whatever the rules. At the edges a run may lose its
 * partner: a stored run whose rule run has begun by `now` stays where it is (it is about to run),
 * a rule run ahead whose stored run began before `now` is that run, and a rule run the shift
 * brought in before the horizon is `uncoveredFrom`. A run the rule no longer gives, or a rule run
 * between stored ones with none stored for it (a rule that now gives more or fewer runs, a run
 * moved by other means than the planner's slots), gets null: such a window is left for its owner
 * to re-plan.
 */
export function movesToRule(stored: readonly StoredRun[], ruleRuns: readonly RunTimes[], maxShiftMs: number, bounds: { now: Date; through: Date }): RunsToRule | null {
  const byNumber = [...stored].sort((a, b) => a.number - b.number);
  const rule = [...ruleRuns].sort((a, b) => a.start.getTime() - b.start.getTime());
  const now = bounds.now.getTime();
  const moves: RunMove[] = [];
  let next = 0;
  for (const [index, run] of byNumber.entries()) {
    const start = run.start.getTime();
    if (index > 0 && start <= byNumber[index - 1].start.getTime()) return null;
    let paired = -1;
    for (let candidate = next; candidate < rule.length && rule[candidate].start.getTime() <= start + maxShiftMs; candidate++) {
      const distance = Math.abs(rule[candidate].start.getTime() - start);
      if (distance <= maxShiftMs && (paired < 0 || distance < Math.abs(rule[paired].start.getTime() - start))) paired = candidate;
    }
    if (paired < 0) return null;
    // Rule runs passed over: before the first stored run, those whose stored runs may have begun by now; none between.
    for (let skipped = next; skipped < paired; skipped++) if (index > 0 || rule[skipped].start.getTime() > now + maxShiftMs) return null;
    next = paired + 1;
    const target = rule[paired];
    if (target.end.getTime() - target.start.getTime() !== run.end.getTime() - start) return null;
    if (target.start.getTime() > now && target.start.getTime() !== start) moves.push({ number: run.number, previous: { start: run.start, end: run.end }, start: target.start, end: target.end });
  }
  const uncovered = byNumber.length === 0 ? undefined : rule.slice(next).find((run) => run.start.getTime() > now && run.start < bounds.through);
  return { moves, uncoveredFrom: uncovered?.start ?? null };
}

/**
 * The stored runs less those still at a slot the planner moved them to (a held run's least harmful
 * slot). A slot is an instant chosen for that run, not one its rule gives: it stays where it was
 * moved whatever the zone's rules, and the runs around it pair with the rule without it.
 */
export function withoutRunsMovedToSlots(stored: readonly StoredRun[], moved: readonly RunMovedToSlot[]): StoredRun[] {
  const atSlot = new Set(moved.map((run) => `${run.number}/${run.start.getTime()}`));
  return stored.filter((run) => !atSlot.has(`${run.number}/${run.start.getTime()}`));
}

/**
 * Where a window now starts by the zone rules in force, when they read its stored start as another
 * local time than the one it was planned at (`plannedLocalStart`, "YYYY-MM-DDTHH:mm", read by the
 * rules of the Node that planned it): the instant that local time now falls on, the stored start's
 * seconds kept. Null when the two read alike, or no local start was recorded. A local start in a
 * clock change's repeated hour reads alike at either instant, so it never moves.
 */
export function startMovedByZoneRules(startsAt: Date, zone: string, plannedLocalStart: string | null): Date | null {
  if (plannedLocalStart === null || instantToWallClock(startsAt, zone) === plannedLocalStart) return null;
  const start = new Date(wallClockToInstant(plannedLocalStart, zone).getTime() + (startsAt.getTime() % 60_000));
  return start.getTime() === startsAt.getTime() ? null : start;
}
