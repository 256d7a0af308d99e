import type { DataSource } from 'typeorm';

/** A run as a feed writes it, with its window's fields, its last change and the holds that hold it. */
export interface FeedRun {
  window_id: string;
  number: number;
  starts_at: Date;
  ends_at: Date;
  status: string;
  title: string;
  owner_team: string;
  footprint_global: boolean;
  footprint_regions: string[];
  planned_zone: string;
  priority: string;
  changed_at: Date;
  holds: { id: string; reason: string; source: string; regions: string[] }[] | null;
}

/** The occurrence statuses of runs that will not happen: a feed writes them CANCELLED. */
export const CANCELLED_RUN_STATUSES = ['missed', 'cancelled'];

/**
 * The runs of windows matching `where` (a condition on maintenance_window w, $1 its value) that
 * ended after `endedAfter`, earliest first, at most `limit`: the cancelled ones (CANCELLED_RUN_STATUSES)
 * or, with `cancelled` false, the others. The page of runs is read first, then
 * each run's hold links with their holds, in one pass: the run's last change, whether it is held
 * (as occurrenceStatusOf reads it) and the holds that hold it. Read with occurrenceStatusOf and two
 * subqueries a run, each scanning hold again for every link, a region's 5,000 runs took 1.4-2.9 s
 * of a pooled connection (`npm run bench:calendar-feed`).
 */
export async function feedRuns(dataSource: DataSource, where: string, value: string, endedAfter: Date, limit: number, cancelled: boolean): Promise<FeedRun[]> {
  return (await dataSource.query(
    `SELECT p.window_id, p.number, p.starts_at, p.ends_at, CASE WHEN p.status = 'scheduled' AND r.held THEN 'held' ELSE p.status END AS status,
            p.title, p.owner_team, p.footprint_global, p.footprint_regions, p.planned_zone, p.priority,
            -- The run's last change it can tell: the window's edits, its start, completion or turn to missed, a hold taking it,
            -- letting it go or letting it through by an override, or a surge's clearance after which its hold no longer stops it.
            GREATEST(p.updated_at, p.started_at, p.completed_at, p.missed_at, r.changed_at) AS changed_at, r.holds
       FROM (SELECT o.window_id, o.number, o.starts_at, o.ends_at, o.status, o.started_at, o.completed_at, o.missed_at,
                    w.title, w.owner_team, w.footprint_global, w.footprint_regions, w.planned_zone, w.priority, w.updated_at
               FROM occurrence o JOIN maintenance_window w ON w.id = o.window_id
              WHERE ${where} AND o.ends_at > $2 AND (o.status = ANY ($4)) = $5
              ORDER BY o.starts_at, o.window_id, o.number
              LIMIT $3) p
       LEFT JOIN LATERAL (
         SELECT max(link.changed_at) AS changed_at, bool_or(link.holding) AS held,
                json_agg(json_build_object('id', link.id, 'reason', link.reason, 'source', link.source, 'regions', link.regions) ORDER BY link.held_at, link.hold_id)
                  FILTER (WHERE link.holding AND link.id IS NOT NULL) AS holds
           FROM (
             -- holding: the link holds the run, as heldByActiveHold reads it (a hold whose release is due by the run's start no longer stops it: stopsRun).
             SELECT ho.hold_id, ho.held_at, h.id, h.reason, h.source, h.regions,
                    GREATEST(ho.held_at, ho.released_at, ho.overridden_at, CASE WHEN h.release_due_at <= p.starts_at THEN h.clearance_recorded_at END) AS changed_at,
                    ho.kind = 'held' AND ho.released_at IS NULL AND ho.overridden_by IS NULL AND (h.release_due_at <= p.starts_at) IS NOT TRUE AS holding
               FROM hold_occurrence ho LEFT JOIN hold h ON h.id = ho.hold_id
              WHERE ho.window_id = p.window_id AND ho.number = p.number) link) r ON true
      ORDER BY p.starts_at, p.window_id, p.number`,
    [value, endedAfter, limit, CANCELLED_RUN_STATUSES, cancelled],
  )) as FeedRun[];
}
