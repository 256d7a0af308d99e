import { DomainError } from '@holdfast/service-kit';
import { expandOccurrences, planWindow, readExdates, TimeError } from '@holdfast/time';

// A rule with neither COUNT nor UNTIL gives runs for ever.
const RULE_ENDS = /(^|;)\s*(COUNT|UNTIL)=/i;
// Past any run a rule that ends could give: its COUNT or UNTIL stops the walk long before.
const CENTURY_MS = 100 * 365 * 86_400_000;

/**
 * Whether a recurring window's rule gives a run starting at or after `from` (how far its runs are
 * stored, expanded_until): one the sweep stores once its horizon reaches it, so the window has runs
 * to come though none is stored. A rule without COUNT or UNTIL always does; one the expander refuses
 * is taken to, as nothing can say it ended.
 */
export function ruleGivesRunFrom(window: { starts_at: Date; ends_at: Date; planned_zone: string; recurrence: string; exdates: readonly string[] }, from: Date): boolean {
  if (!RULE_ENDS.test(window.recurrence)) return true;
  try {
    const planned = planWindow({ start: window.starts_at, end: window.ends_at, zone: window.planned_zone, recurrence: { rrule: window.recurrence, exdates: window.exdates } });
    // Two: the first may be a run stored already, still going at `from`.
    return expandOccurrences(planned, { from, until: new Date(from.getTime() + CENTURY_MS), maxCount: 2 }).occurrences.some((run) => run.start >= from);
  } catch (error) {
    if (error instanceof TimeError) return true;
    throw error;
  }
}

interface RunsLeftRow {
  starts_at: Date;
  ends_at: Date;
  planned_zone: string;
  recurrence: string | null;
  exdates: string[];
  expanded_until: Date;
  /** A run still to start, or running: scheduled, waiting for a new slot (which may start late), or in progress. */
  run_left: boolean;
  last_number: number | null;
  last_status: string | null;
  last_starts_at: Date | null;
  last_ends_at: Date | null;
}

/**
 * The 409 for a window with no run left to start, and none to come (a one-off window whose run
 * completed, was missed or cancelled; a recurring one whose rule ended): like a cancelled window, it
 * does not run again unless changed (a date taken back out of its exdates), and a caller retrying on
 * the gate's 423 would wait for nothing. Null while a run is left or to come.
 */
export async function noRunLeft(source: { query(sql: string, parameters?: unknown[]): Promise<unknown> }, windowId: string): Promise<DomainError | null> {
  const [row] = (await source.query(
    `SELECT w.starts_at, w.ends_at, w.planned_zone, w.recurrence, w.exdates, w.expanded_until,
            EXISTS (SELECT 1 FROM occurrence o WHERE o.window_id = w.id AND o.status IN ('scheduled', 'needs-reschedule', 'in-progress')) AS run_left,
            last.number AS last_number, last.status AS last_status, last.starts_at AS last_starts_at, last.ends_at AS last_ends_at
       FROM maintenance_window w
       LEFT JOIN LATERAL (SELECT o.number, o.status, o.starts_at, o.ends_at FROM occurrence o WHERE o.window_id = w.id ORDER BY o.starts_at DESC, o.number DESC LIMIT 1) last ON true
      WHERE w.id = $1`,
    [windowId],
  )) as RunsLeftRow[];
  if (!row || row.run_left) return null;
  if (row.recurrence !== null && ruleGivesRunFrom({ ...row, recurrence: row.recurrence }, row.expanded_until)) return null;
  const last = row.last_number === null ? 'it has no runs' : `its last run (${row.last_number}, planned to end ${row.last_ends_at!.toISOString()}) was ${row.last_status}`;
  const which = row.recurrence === null ? 'it is a one-off window' : `its rule (${row.recurrence}) gives no more`;
  const moveIt = row.last_status === 'missed' ? ', or move this one to a new time (PATCH startsAt and endsAt)' : '';
  const exdate = row.last_status === 'cancelled' ? exdateOf(row, row.last_starts_at!) : undefined;
  // Called off by an exdate, the window not cancelled: a PATCH taking the date back out brings the run back.
  const what =
    exdate === undefined
      ? `${last}, and ${which}. It will never run again, so do not start it or wait for it; no hold stops it. To do the work, plan a new window (POST /v1/windows)${moveIt}.`
      : `${last} by its exdate ${exdate}, and ${which}. Taking that date out of exdates (PATCH /v1/windows/${windowId}) brings the run back, while it has not ended; until then it does not run, so do not start it or wait for it. Otherwise, to do the work, plan a new window (POST /v1/windows).`;
  return new DomainError(
    'no-run-left',
    409,
    `Window ${windowId} has no run left to start: ${what}`,
    { lastRun: row.last_number === null ? null : { number: row.last_number, status: row.last_status, endsAt: row.last_ends_at!.toISOString() } },
  );
}

/** The exdate, as the window lists it, that takes out the run starting at `start`; undefined for a one-off window or a run no exdate names. */
function exdateOf(window: { starts_at: Date; ends_at: Date; planned_zone: string; recurrence: string | null; exdates: readonly string[] }, start: Date): string | undefined {
  if (window.recurrence === null || window.exdates.length === 0) return undefined;
  const planned = { start: window.starts_at, end: window.ends_at, zone: window.planned_zone, recurrence: { rrule: window.recurrence, exdates: [...window.exdates] } };
  return readExdates(planned).find((reading) => reading.instant.getTime() === start.getTime())?.exdate;
}
