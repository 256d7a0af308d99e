import type { Slot } from '@holdfast/contracts';
import { DomainError } from '@holdfast/service-kit';
import { expandOccurrences, planWindow, readExdates, TimeError } from '@holdfast/time';
import { stopsRunsUntilSql } from '../holds/hold-record';
import { heldByActiveHold, stopsRun } from './window-record';

// A rule with neither COUNT nor UNTIL gives runs for ever.
const RULE_ENDS = /(^|;)\s*(COUNT|UNTIL)=/i;
// Past any run a rule that ends could give: its COUNT or UNTIL stops the walk long before.
const CENTURY_MS = 100 * 365 * 86_400_000;

/**
 * Whether a recurring window's rule gives a run starting at or after `from` (how far its runs are
 * stored, expanded_until): one the sweep stores once its horizon reaches it, so the window has runs
 * to come though none is stored. With `notOverAt`, only a run not over at that instant counts (a
 * what-if further ahead than the runs stored). A rule without COUNT or UNTIL always does; one the
 * expander refuses is taken to, as nothing can say it ended.
 */
export function ruleGivesRunFrom(
  window: { starts_at: Date; ends_at: Date; planned_zone: string; recurrence: string; exdates: readonly string[] },
  from: Date,
  notOverAt: Date = from,
): boolean {
  if (!RULE_ENDS.test(window.recurrence)) return true;
  // The expander gives the runs not over at the start of its range.
  const since = notOverAt > from ? notOverAt : from;
  try {
    const planned = planWindow({ start: window.starts_at, end: window.ends_at, zone: window.planned_zone, recurrence: { rrule: window.recurrence, exdates: window.exdates } });
    // Two: the first may be a run stored already, still going at `since`.
    return expandOccurrences(planned, { from: since, until: new Date(since.getTime() + CENTURY_MS), maxCount: 2 }).occurrences.some((run) => run.start >= from);
  } catch (error) {
    if (error instanceof TimeError) return true;
    throw error;
  }
}

/**
 * Whether run `run` (an occurrence's alias), stored scheduled, waits for a new slot at `at` (an SQL instant) though the sweep
 * has not released its holds yet: its start passed by then while a hold linked to it held it, and each hold linked to it
 * has ended by then by its own end (stopsRunsUntilSql: a cleared surge's due release, a manual hold's until, a declaration's
 * until and the cool-down after it, `coolDownMs` an SQL expression, its clearance come or not). Judged as the sweep leaves it
 * (settleReleased: needs-reschedule), so the gate does not say "allowed" in the gap between a hold's end and its release, nor
 * a what-if past that end.
 */
export function awaitsNewSlotAt(run: string, at: string, coolDownMs: string): string {
  const holdEnd = stopsRunsUntilSql('hold', coolDownMs);
  const links = `FROM hold_occurrence link LEFT JOIN hold ON hold.id = link.hold_id
      WHERE link.window_id = ${run}.window_id AND link.number = ${run}.number AND link.kind = 'held' AND link.released_at IS NULL
        AND link.overridden_by IS NULL AND ${stopsRun('link', run)}`;
  return `(${run}.status = 'scheduled' AND ${run}.starts_at <= ${at}
    AND EXISTS (SELECT 1 ${links} AND ${holdEnd} > ${run}.starts_at)
    AND NOT EXISTS (SELECT 1 ${links} AND COALESCE(${holdEnd}, 'infinity') > ${at}))`;
}

interface RunsLeftRow {
  version: number;
  starts_at: Date;
  ends_at: Date;
  planned_zone: string;
  recurrence: string | null;
  exdates: string[];
  expanded_until: Date;
  /** A run still to start at the instant asked, or running: scheduled and not over then (or held, which a hold keeps from being missed), or in progress. */
  run_left: boolean;
  last_number: number | null;
  last_status: string | null;
  last_starts_at: Date | null;
  last_ends_at: Date | null;
  /** The last run still to come now (scheduled, not over), when none is left at the instant asked: a what-if past it. */
  coming_number: number | null;
  coming_ends_at: Date | null;
  /** The first run held past its start that waits for a new slot at the instant asked (needs-reschedule, or so once the sweep releases its ended holds), and how many do. */
  waiting_number: number | null;
  /** Whether that run is still stored scheduled: the sweep marks it needs-reschedule, and proposes a slot, at its next pass. */
  waiting_unmarked: boolean | null;
  waiting_starts_at: Date | null;
  waiting_ends_at: Date | null;
  waiting_proposed_slot: Slot | null;
  waiting_count: number;
}

/** What the 409 run-awaits-new-slot says of the run waiting. */
type WaitingRow = Pick<
  RunsLeftRow,
  'version' | 'waiting_number' | 'waiting_unmarked' | 'waiting_starts_at' | 'waiting_ends_at' | 'waiting_proposed_slot' | 'waiting_count'
>;

/**
 * The instant a gate question is about (`at`: now, or ahead), now, how often the sweep that marks a run waiting passes
 * (PLANNER_SWEEP_INTERVAL_SECONDS), and how long a declaration's hold lasts past its until (HOLD_COOLDOWN_MINUTES).
 */
export interface AskedAt {
  at: Date;
  now: Date;
  sweepIntervalMs: number;
  coolDownMs: number;
}

/** A run waiting for a new slot at $2: marked so, or held past its start by holds ended by then (awaitsNewSlotAt, the cool-down $4). */
const WAITING = (run: string) => `(${run}.status = 'needs-reschedule' OR ${awaitsNewSlotAt(run, '$2', '$4')})`;

/**
 * The 409 for a window with no run to start, asked when the gate finds no run in question (none
 * scheduled or held and not over at the instant asked, `at`, none running): like a cancelled window, a
 * caller retrying on the gate's 423 would wait for nothing, and a 200 would start work at once, outside
 * any slot. One of its runs held past its start waits for a new slot, its end passed or still to come
 * (run-awaits-new-slot: a change of the window's times takes it); else it has none left and none to
 * come at `at` (no-run-left: a one-off window whose run completed, was missed or cancelled, or, asked
 * about a time ahead, is over by then; a recurring one whose rule ended), and does not run again
 * unless changed (a date taken back out of its exdates). A scheduled run over at `at` counts as over,
 * missed then as the sweep marks it, unless a hold holds it (the sweep leaves that one for a new
 * slot). Null while a run is left at `at` (a scheduled one, or one running) or, with none waiting, one
 * is to come by the rule past those stored and not over at `at`.
 */
export async function noRunLeft(
  source: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  windowId: string,
  asked: AskedAt,
): Promise<DomainError | null> {
  const { at, now, coolDownMs } = asked;
  const [row] = (await source.query(
    `SELECT w.version, w.starts_at, w.ends_at, w.planned_zone, w.recurrence, w.exdates, w.expanded_until,
            EXISTS (SELECT 1 FROM occurrence o WHERE o.window_id = w.id
                      AND (o.status = 'in-progress' OR (o.status = 'scheduled' AND NOT ${awaitsNewSlotAt('o', '$2', '$4')} AND (o.ends_at > $2 OR ${heldByActiveHold('o')})))) AS run_left,
            last.number AS last_number, last.status AS last_status, last.starts_at AS last_starts_at, last.ends_at AS last_ends_at,
            coming.number AS coming_number, coming.ends_at AS coming_ends_at,
            waiting.number AS waiting_number, waiting.status = 'scheduled' AS waiting_unmarked, waiting.starts_at AS waiting_starts_at, waiting.ends_at AS waiting_ends_at,
            waiting.proposed_slot AS waiting_proposed_slot,
            (SELECT count(*)::int FROM occurrence o WHERE o.window_id = w.id AND ${WAITING('o')}) AS waiting_count
       FROM maintenance_window w
       LEFT JOIN LATERAL (SELECT o.number, o.status, o.starts_at, o.ends_at FROM occurrence o WHERE o.window_id = w.id ORDER BY o.starts_at DESC, o.number DESC LIMIT 1) last ON true
       LEFT JOIN LATERAL (SELECT o.number, o.ends_at FROM occurrence o WHERE o.window_id = w.id AND o.status = 'scheduled' AND o.ends_at > $3 ORDER BY o.starts_at DESC, o.number DESC LIMIT 1) coming ON true
       LEFT JOIN LATERAL (SELECT o.number, o.status, o.starts_at, o.ends_at, o.proposed_slot
                            FROM occurrence o WHERE o.window_id = w.id AND ${WAITING('o')} ORDER BY o.starts_at, o.number LIMIT 1) waiting ON true
      WHERE w.id = $1`,
    [windowId, at, now, coolDownMs],
  )) as RunsLeftRow[];
  if (!row || row.run_left) return null;
  // Even with runs the rule gives later, not stored yet: a start now would run the waiting one, outside any slot.
  if (row.waiting_number !== null) return runAwaitsNewSlot(windowId, row, asked);
  const rule = row.recurrence === null ? null : { ...row, recurrence: row.recurrence };
  if (rule !== null && ruleGivesRunFrom(rule, row.expanded_until, at)) return null;
  const lastRun = row.last_number === null ? null : { number: row.last_number, status: row.last_status, endsAt: row.last_ends_at!.toISOString() };
  // Asked about a time past the window's last run, which is still to come now: so it is then, not now.
  const ruleGivesMore = rule !== null && ruleGivesRunFrom(rule, row.expanded_until, now);
  if (row.coming_number !== null || ruleGivesMore) {
    const over = ruleGivesMore
      ? `the runs its rule (${row.recurrence}) gives after those planned so far (the last, ${row.last_number}, planned to end ${row.last_ends_at!.toISOString()}) are still to come now but all over by then, and it gives no more`
      : `its last run still to come (${row.coming_number}, planned to end ${row.coming_ends_at!.toISOString()}) is over by then, missed unless it starts in its time, and ${row.recurrence === null ? 'it is a one-off window' : `its rule (${row.recurrence}) gives no more`}`;
    const startIt = ruleGivesMore ? 'start its runs in their time' : `start the run before ${row.coming_ends_at!.toISOString()}`;
    return new DomainError(
      'no-run-left',
      409,
      `Window ${windowId} has no run left to start at ${at.toISOString()}, though it has one now: ${over}. ` +
        `Asked at that time, the gate answers this 409, whatever holds: ${startIt}, or, to do the work later, move the window to a new time (PATCH startsAt and endsAt) or plan a new one (POST /v1/windows).`,
      { lastRun },
    );
  }
  // Over unstarted, the sweep not come yet to mark it missed.
  const status = row.last_status === 'scheduled' ? 'ended without a start (the planner marks it missed)' : `was ${row.last_status}`;
  const last = row.last_number === null ? 'it has no runs' : `its last run (${row.last_number}, planned to end ${row.last_ends_at!.toISOString()}) ${status}`;
  const which = row.recurrence === null ? 'it is a one-off window' : `its rule (${row.recurrence}) gives no more`;
  const moveIt = row.last_status === 'missed' || row.last_status === 'scheduled' ? ', or move this one to a new time (PATCH startsAt and endsAt)' : '';
  const exdate = row.last_status === 'cancelled' ? exdateOf(row, row.last_starts_at!) : undefined;
  // Called off by an exdate, the window not cancelled: a PATCH taking the date back out brings the run back.
  const what =
    exdate === undefined
      ? `${last}, and ${which}. It will never run again, so do not start it or wait for it; no hold stops it. To do the work, plan a new window (POST /v1/windows)${moveIt}.`
      : `${last} by its exdate ${exdate}, and ${which}. Taking that date out of exdates (PATCH /v1/windows/${windowId}) brings the run back, while it has not ended; until then it does not run, so do not start it or wait for it. Otherwise, to do the work, plan a new window (POST /v1/windows).`;
  return new DomainError('no-run-left', 409, `Window ${windowId} has no run left to start: ${what}`, { lastRun });
}

/**
 * The 409 run-awaits-new-slot for run `number`, named (a start by its number, the gate asked for it), when it waits for a new
 * slot at `at` only as the sweep will leave it: held past its start by holds that have ended by then, the sweep not come yet to
 * release them. Marked needs-reschedule, a run named starts anyway, outside its slot; till then it is refused, as the gate refuses
 * it unnamed (a job starting the next run it lists, held, must not run it outside any slot). Null when it does not wait so.
 */
export async function namedRunAwaitsNewSlot(
  source: { query(sql: string, parameters?: unknown[]): Promise<unknown> },
  windowId: string,
  number: number,
  asked: AskedAt,
): Promise<DomainError | null> {
  const [row] = (await source.query(
    `SELECT w.version, o.number AS waiting_number, true AS waiting_unmarked, o.starts_at AS waiting_starts_at, o.ends_at AS waiting_ends_at,
            o.proposed_slot AS waiting_proposed_slot, 1 AS waiting_count
       FROM maintenance_window w JOIN occurrence o ON o.window_id = w.id AND o.number = $3
      WHERE w.id = $1 AND ${awaitsNewSlotAt('o', '$2::timestamptz', '$4')}`,
    [windowId, asked.at, number, asked.coolDownMs],
  )) as WaitingRow[];
  return row ? runAwaitsNewSlot(windowId, row, asked, true) : null;
}

/**
 * The 409 for a window whose run was held past its start and waits for a new slot, with no other to
 * start (or for that run named: `named`): the slot the planner proposed for it, if any, and the change of the window that takes one
 * (as holdfast windows show words it); `waitingRun` and `windowVersion` let a client say it its way. A run the sweep has not marked
 * yet has no slot proposed: the detail says when it will.
 */
function runAwaitsNewSlot(windowId: string, row: WaitingRow, { at, now, sweepIntervalMs }: AskedAt, named = false): DomainError {
  const number = row.waiting_number!;
  const slot = row.waiting_proposed_slot;
  const others = row.waiting_count > 1 ? ` (and ${row.waiting_count - 1} more of its runs)` : '';
  const startsAt = row.waiting_starts_at!.toISOString();
  const endsAt = row.waiting_ends_at!.toISOString();
  // A what-if says when it asked about, as no-run-left's does.
  const when = at.getTime() > now.getTime() ? `at ${at.toISOString()}` : 'now';
  // Its end still to come, "its time passed" would read as though the run were over.
  const passed = row.waiting_ends_at! > at ? `its start (${startsAt}, planned to end ${endsAt})` : `its time (${startsAt} to ${endsAt})`;
  const sweep = sweepIntervalMs > 0 ? `within PLANNER_SWEEP_INTERVAL_SECONDS (${sweepIntervalMs / 1000} s)` : 'when it runs (PLANNER_SWEEP_INTERVAL_SECONDS is 0: the periodic sweep is off)';
  const marked = `The planner proposes a slot at its next sweep, ${sweep} of the hold's end, marking the run needs-reschedule`;
  const take = row.waiting_unmarked
    ? `${marked}; GET /v1/windows/${windowId}/suggestions gives the least harmful ones now: move it to one with PATCH /v1/windows/${windowId} (startsAt, endsAt and "version": ${row.version}) and start the run it plans then.`
    : slot
      ? `The planner proposes ${slot.startsAt} to ${slot.endsAt}: take it with PATCH /v1/windows/${windowId} {"startsAt": "${slot.startsAt}", "endsAt": "${slot.endsAt}", "version": ${row.version}} and start the run it plans then.`
      : `The planner found no slot to propose: GET /v1/windows/${windowId}/suggestions gives the least harmful ones; move it to one with PATCH /v1/windows/${windowId} (startsAt, endsAt and "version": ${row.version}) and start the run it plans then.`;
  const startByNumber = `start it by its number (POST /v1/windows/${windowId}/occurrences/${number}/start)`;
  const anyway = row.waiting_unmarked
    ? `To run it anyway, outside its slot, ${startByNumber} once the sweep has marked it needs-reschedule.`
    : `To run it now anyway, outside its slot, ${startByNumber}.`;
  const what = named ? `Run ${number} of window ${windowId} is not to start ${when}: it waits for a new slot` : `Window ${windowId} has no run to start ${when}: run ${number}${others} waits for a new slot`;
  return new DomainError(
    'run-awaits-new-slot',
    409,
    `${what}, ${passed} having passed while it was held. ${take} Do not wait for it at the gate: it waits until the window is changed. ${anyway}`,
    {
      waitingRun: { number, status: 'needs-reschedule', startsAt, endsAt, proposedSlot: row.waiting_unmarked ? null : slot },
      windowVersion: row.version,
    },
  );
}

/** The exdate, as the window lists it, that takes out the run starting at `start`; undefined for a one-off window or a run no exdate names. */
function exdateOf(window: { starts_at: Date; ends_at: Date; planned_zone: string; recurrence: string | null; exdates: readonly string[] }, start: Date): string | undefined {
  if (window.recurrence === null || window.exdates.length === 0) return undefined;
  const planned = { start: window.starts_at, end: window.ends_at, zone: window.planned_zone, recurrence: { rrule: window.recurrence, exdates: [...window.exdates] } };
  return readExdates(planned).find((reading) => reading.instant.getTime() === start.getTime())?.exdate;
}
