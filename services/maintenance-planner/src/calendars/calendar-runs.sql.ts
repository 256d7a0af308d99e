import type { Occurrence, OccurrenceStatus, SurgePolicy } from '@holdfast/contracts';
import type { DataSource } from 'typeorm';
import { heldByAndLetThroughBy, linkInForce, occurrenceStatusOf } from '../windows/window-record';

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

/** A run as GET /v1/occurrences lists it: what a feed writes, and what GET /v1/windows/{id}/occurrences says of it. */
export interface RunRow extends FeedRun {
  status: OccurrenceStatus;
  started_at: Date | null;
  completed_at: Date | null;
  proposed_slot: Occurrence['proposedSlot'] | null;
  footprint_shares: Record<string, number> | null;
  surge_policy: SurgePolicy;
  /** The holds in force that stop it, first held first (its heldBy). */
  held_by: string[];
  /** The holds in force that would stop it but let it through with an override, first overridden first (its letThroughBy). */
  let_through_by: string[];
}

/** The occurrence statuses of runs that will not happen: a feed writes them CANCELLED. */
export const CANCELLED_RUN_STATUSES = ['missed', 'cancelled'];

/** Where a page of runs ended: the last run's start, window and number, the order runs are read in. */
export interface RunPosition {
  startsAt: string;
  windowId: string;
  number: number;
}

/** Which runs to read; each filter left out reads every run as far as it goes. */
export interface RunsAsked {
  /** Runs of this team's windows. */
  team?: string;
  /** Runs that can hurt this region: of windows whose footprint names it, and of global ones. */
  region?: string;
  /** Runs ending after this instant. */
  endedAfter?: Date | string;
  /** Runs starting before this instant. */
  startedBefore?: Date | string;
  /** Runs of this status as readers see it (held is a scheduled run an active hold stops). */
  status?: OccurrenceStatus;
  /** Only the cancelled runs (CANCELLED_RUN_STATUSES), or with false only the others. */
  cancelled?: boolean;
  /** Runs after this one in start order. */
  after?: RunPosition;
  limit: number;
}

/**
 * The runs asked for, in start order (start, window, number), at most `limit`. The page of runs is
 * read first, then each run's hold links with their holds, in one pass: the run's last change,
 * whether it is held (as occurrenceStatusOf reads it), the holds that hold it and those that let it
 * through by an override (as the window's own runs list, GET /v1/windows/{id}/occurrences, reads
 * them). Read with occurrenceStatusOf and two subqueries a run, each scanning hold again for every
 * link, a region's 5,000 runs took 1.4-2.9 s of a pooled connection (`npm run bench:calendar-feed`).
 * Filters left out are read as true when the query is planned (node-postgres sends it unnamed, so
 * each is planned with its values), so a feed's read keeps the plan it had with its filter alone.
 */
export async function readRuns(dataSource: DataSource, asked: RunsAsked): Promise<RunRow[]> {
  return (await dataSource.query(
    `SELECT p.window_id, p.number, p.starts_at, p.ends_at, CASE WHEN p.status = 'scheduled' AND r.held THEN 'held' ELSE p.status END AS status,
            p.started_at, p.completed_at, p.proposed_slot,
            p.title, p.owner_team, p.footprint_global, p.footprint_regions, p.footprint_shares, p.planned_zone, p.priority, p.surge_policy,
            -- The run's last change it can tell: the window's edits, its start, completion or turn to missed, a hold taking it,
            -- letting it go or letting it through by an override, or a surge's clearance after which its hold no longer stops it.
            GREATEST(p.updated_at, p.started_at, p.completed_at, p.missed_at, r.changed_at) AS changed_at, r.holds, r.held_by, r.let_through_by
       FROM (SELECT o.window_id, o.number, o.starts_at, o.ends_at, o.status, o.started_at, o.completed_at, o.missed_at, o.proposed_slot,
                    w.title, w.owner_team, w.footprint_global, w.footprint_regions, w.footprint_shares, w.planned_zone, w.priority, w.surge_policy, w.updated_at
               FROM occurrence o JOIN maintenance_window w ON w.id = o.window_id
              WHERE ($1::text IS NULL OR w.owner_team = $1)
                AND ($2::text IS NULL OR w.footprint_global OR $2 = ANY (w.footprint_regions))
                AND ($3::timestamptz IS NULL OR o.ends_at > $3) AND ($4::timestamptz IS NULL OR o.starts_at < $4)
                AND ($5::text IS NULL OR ${occurrenceStatusOf('o')} = $5)
                AND ($7::boolean IS NULL OR (o.status = ANY ($6)) = $7)
                -- The start alone as well, which the index on (starts_at, ends_at) takes.
                AND ($8::timestamptz IS NULL OR (o.starts_at >= $8 AND (o.starts_at, o.window_id, o.number) > ($8, $9::uuid, $10::int)))
              ORDER BY o.starts_at, o.window_id, o.number
              LIMIT $11) p
       LEFT JOIN LATERAL (
         SELECT max(link.changed_at) AS changed_at, bool_or(link.holding) AS held,
                json_agg(json_build_object('id', link.id, 'reason', link.reason, 'source', link.source, 'regions', link.regions) ORDER BY link.held_at, link.hold_id)
                  FILTER (WHERE link.holding AND link.id IS NOT NULL) AS holds,
                ${heldByAndLetThroughBy('link', 'link.in_force')}
           FROM (
             -- in force: the link's hold would stop the run, as heldByActiveHold reads it (a hold whose release is due by the run's
             -- start no longer stops it: stopsRun); holding: in force and not let through by an override.
             SELECT linked.*, linked.in_force AND linked.overridden_by IS NULL AS holding
               FROM (SELECT ho.hold_id, ho.held_at, ho.overridden_by, ho.overridden_at, h.id, h.reason, h.source, h.regions,
                            GREATEST(ho.held_at, ho.released_at, ho.overridden_at, CASE WHEN h.release_due_at <= p.starts_at THEN h.clearance_recorded_at END) AS changed_at,
                            ${linkInForce('ho', 'p', 'h')} AS in_force
                       FROM hold_occurrence ho LEFT JOIN hold h ON h.id = ho.hold_id
                      WHERE ho.window_id = p.window_id AND ho.number = p.number) linked) link) r ON true
      ORDER BY p.starts_at, p.window_id, p.number`,
    [
      asked.team ?? null,
      asked.region ?? null,
      asked.endedAfter ?? null,
      asked.startedBefore ?? null,
      asked.status ?? null,
      CANCELLED_RUN_STATUSES,
      asked.cancelled ?? null,
      asked.after?.startsAt ?? null,
      asked.after?.windowId ?? null,
      asked.after?.number ?? null,
      asked.limit,
    ],
  )) as RunRow[];
}
