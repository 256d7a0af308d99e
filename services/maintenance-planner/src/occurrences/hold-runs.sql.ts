import type { DataSource } from 'typeorm';
import type { RunPosition, RunRow } from '../calendars/calendar-runs.sql';
import { countedLink } from '../holds/hold-record';
import { heldByActiveHold, heldByAndLetThroughBy, linkInForce, occurrenceStatusOf } from '../windows/window-record';

/** A run as GET /v1/occurrences lists it, and its link to the hold asked for: how that hold bears on it. */
export type HoldRunRow = Omit<RunRow, 'changed_at' | 'holds' | 'priority'> & {
  kind: 'held' | 'notify-only';
  held_at: Date;
  overridden_by: string | null;
  override_reason: string | null;
  overridden_at: Date | null;
};

/** Which of a hold's runs to read: the filters readRuns takes, each left out reading all. */
export interface HoldRunsAsked {
  holdId: string;
  team?: string;
  region?: string;
  endedAfter?: Date | string;
  startedBefore?: Date | string;
  status?: RunRow['status'];
  after?: RunPosition;
  limit: number;
}

/**
 * occurrenceStatusOf of run `o` linked by `l` to hold `h`: held when that link holds it (held, in force, not overridden, of a
 * hold that stops it: stopsRun) before another hold's is looked for, so filtering a large hold's runs by status probes the
 * other links of only the runs it does not hold itself.
 */
const STATUS_OF_LINKED_RUN = `CASE WHEN o.status = 'scheduled' AND ((l.kind = 'held' AND l.released_at IS NULL AND l.overridden_by IS NULL AND (h.release_due_at <= o.starts_at) IS NOT TRUE)
      OR ${heldByActiveHold('o')}) THEN 'held' ELSE o.status END`;

/**
 * A hold's runs in start order (start, window, number), at most `limit`: the links HoldsService.counts counts (countedLink: in force, or for
 * a released hold those its release let go of; overridden ones kept), so the list read to its end is as long as
 * heldOccurrences and notifyOnlyOccurrences together. The links are read on hold_occurrence_hold_run_start, in the list's
 * order from the cursor on, by the start each link keeps of its run (run_starts_at, moved with the run): a page reads about
 * as many links as it shows, however many the hold has. Before it, the first page of a hold over 120,000 runs read all its
 * links and every run kept to find its first run (238-297 ms). The windows and each run's holds in force (heldBy,
 * letThroughBy, as readRuns reads them) are read for the page only. Filters left out are read as true when the query is
 * planned, as in readRuns.
 */
export async function readHoldRuns(dataSource: DataSource, asked: HoldRunsAsked): Promise<HoldRunRow[]> {
  return (await dataSource.query(
    `SELECT p.window_id, p.number, p.starts_at, p.ends_at, ${occurrenceStatusOf('p')} AS status, p.started_at, p.completed_at, p.proposed_slot,
            w.title, w.owner_team, w.footprint_global, w.footprint_regions, w.footprint_shares, w.planned_zone, w.surge_policy,
            r.held_by, r.let_through_by, p.kind, p.held_at, p.overridden_by, p.override_reason, p.overridden_at
       FROM (SELECT o.window_id, o.number, o.starts_at, o.ends_at, o.status, o.started_at, o.completed_at, o.proposed_slot,
                    l.kind, l.held_at, l.overridden_by, l.override_reason, l.overridden_at
               FROM hold h
               JOIN hold_occurrence l ON l.hold_id = h.id AND ${countedLink('l', 'h')}
               JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number
              WHERE h.id = $1
                AND (($2::text IS NULL AND $3::text IS NULL)
                     OR EXISTS (SELECT 1 FROM maintenance_window w WHERE w.id = o.window_id AND ($2::text IS NULL OR w.owner_team = $2)
                                  AND ($3::text IS NULL OR w.footprint_global OR $3 = ANY (w.footprint_regions))))
                AND ($4::timestamptz IS NULL OR o.ends_at > $4) AND ($5::timestamptz IS NULL OR l.run_starts_at < $5)
                AND ($6::text IS NULL OR ${STATUS_OF_LINKED_RUN} = $6)
                -- The start alone as well: where the index range begins.
                AND ($7::timestamptz IS NULL OR (l.run_starts_at >= $7 AND (l.run_starts_at, l.window_id, l.number) > ($7, $8::uuid, $9::int)))
              ORDER BY l.run_starts_at, l.window_id, l.number
              LIMIT $10) p
       JOIN maintenance_window w ON w.id = p.window_id
      CROSS JOIN LATERAL (
        SELECT ${heldByAndLetThroughBy('ho', 'true')}
          FROM hold_occurrence ho
         WHERE ho.window_id = p.window_id AND ho.number = p.number AND ${linkInForce('ho', 'p')}) r
      ORDER BY p.starts_at, p.window_id, p.number`,
    [
      asked.holdId,
      asked.team ?? null,
      asked.region ?? null,
      asked.endedAfter ?? null,
      asked.startedBefore ?? null,
      asked.status ?? null,
      asked.after?.startsAt ?? null,
      asked.after?.windowId ?? null,
      asked.after?.number ?? null,
      asked.limit,
    ],
  )) as HoldRunRow[];
}
