/** Something that runs SQL: a TypeORM EntityManager, DataSource or QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface FanOutRequest {
  holdId: string;
  regions: readonly string[];
  from: Date;
  /** End of the period this fan-out covers (the hold's until, or the open-ended horizon). */
  until: Date;
  now: Date;
  /** Only this window (planning or moving one window under active holds). */
  windowId?: string;
  /**
   * The hold was placed in this transaction, so nothing links to it yet: the links are inserted
   * without the conflict check (one index probe per occurrence less) nor the check that the hold is
   * unreleased.
   */
  fresh?: boolean;
  /**
   * The hold is being inserted by the statement just before this one, pipelined in the same round
   * trip, and may not be (it existed already): links are made only if a hold of that id exists.
   */
  ifPlaced?: boolean;
}

export interface FannedOccurrence {
  window_id: string;
  number: number;
  kind: 'held' | 'notify-only';
  in_progress: boolean;
}

/**
 * A later fan-out of a hold (extended, the horizon, a window planned or changed under it) meets the
 * links it made before. An active link of the same kind is left alone and not returned (nothing new
 * to announce); an override row stays as it is. A link released while the hold went on (the window's
 * footprint, surge policy or time changed, and its links were let go to be fanned out again) is
 * revived with the kind and in-progress flag the window has now: without this a held window made
 * notify-only kept a released held link, and its owner was told nothing. A link its hold's release
 * let go is never revived: such a fan-out links nothing (HOLD_UNRELEASED).
 */
const RELINK = `ON CONFLICT (window_id, number, hold_id) DO UPDATE
       SET kind = EXCLUDED.kind, in_progress = EXCLUDED.in_progress, held_at = EXCLUDED.held_at, released_at = NULL, run_starts_at = EXCLUDED.run_starts_at
     WHERE hold_occurrence.overridden_by IS NULL AND (hold_occurrence.released_at IS NOT NULL OR hold_occurrence.kind <> EXCLUDED.kind)`;

/**
 * A later fan-out may have read its hold before a release committed (the sweep's horizon step, an
 * extension, a window planned under it): it links nothing then, or the hold would hold its runs
 * again, announced window.held after hold.released.
 */
const HOLD_UNRELEASED = ' AND EXISTS (SELECT 1 FROM hold WHERE hold.id = $1 AND hold.released_at IS NULL)';

/**
 * What RELINK would leave as it is (an active link of the same kind, an override), read before the
 * insert rather than met as a conflict: ON CONFLICT DO UPDATE locks every conflicting row even when
 * its WHERE leaves it unchanged, so a later fan-out over thousands of links in force (the sweep's
 * horizon step, every sweep, for every open-ended hold) wrote a lock into each of them.
 */
const NOT_LINKED_ALREADY = `
        AND NOT EXISTS (SELECT 1 FROM hold_occurrence linked WHERE linked.window_id = o.window_id AND linked.number = o.number AND linked.hold_id = $1
                          AND (linked.overridden_by IS NOT NULL OR (linked.released_at IS NULL AND linked.kind = CASE WHEN w.surge_policy = 'notify-only' THEN 'notify-only' ELSE 'held' END)))`;

/**
 * The occurrences a fan-out links ($1 hold, $2 regions, $3 from, $4 until, $6 one window or null), in key order unless only
 * whether there are any is asked; $5 is the link time; each with its run's start, which a hold's runs list reads its links
 * by (hold_occurrence_hold_run_start). Read by start and end on occurrence_holdable_time, whose predicate is this status
 * test: the period's runs, not every run kept.
 */
function candidatesOf(request: FanOutRequest, ordered = true): string {
  const holdExists = request.fresh ? (request.ifPlaced ? ' AND EXISTS (SELECT 1 FROM hold WHERE hold.id = $1)' : '') : HOLD_UNRELEASED;
  return `SELECT $1::uuid AS hold_id, o.window_id, o.number, CASE WHEN w.surge_policy = 'notify-only' THEN 'notify-only' ELSE 'held' END AS kind, o.status = 'in-progress' AS in_progress, $5::timestamptz AS held_at, o.starts_at AS run_starts_at
       FROM maintenance_window w
       JOIN occurrence o ON o.window_id = w.id
      WHERE w.surge_policy <> 'exempt' AND w.status <> 'cancelled'
        AND (w.footprint_global OR w.footprint_regions && $2::text[])
        AND o.starts_at < $4 AND o.ends_at > $3
        AND o.status IN ('scheduled', 'in-progress')
        AND ($6::uuid IS NULL OR w.id = $6)${holdExists}${request.fresh ? '' : NOT_LINKED_ALREADY}
      ${ordered ? 'ORDER BY o.window_id, o.number' : ''}`;
}

const parametersOf = (request: FanOutRequest) => [request.holdId, request.regions, request.from, request.until, request.now, request.windowId ?? null];

/**
 * How far past a fan-out's `now` a run counts as begun for lockRunsBegun: a release on another replica, or a moment later,
 * gives a new slot to the runs begun by its own clock.
 */
const BEGUN_MARGIN = "interval '1 minute'";

/**
 * Share-locks, in key order, the runs of held windows a fan-out (`request`, not a window's own) may link that have begun
 * (BEGUN_MARGIN): those a release under way may be giving a new slot, or moving to it (settleReleased, which locks them
 * first). Issued just before the fan-out, whose statement then reads them as that release left them: a run waiting for a
 * new slot, or moved to one, is not held by the new hold where it was; and a release reaching them after this waits for
 * the fan-out's links to commit, and leaves such a run to the new hold. Without it each read the other as not yet
 * there, and a placement at a release's moment held the run that release had just given a new slot. Only runs begun are at
 * stake, a few, so a fan-out waits for no release over runs still to come (and a placement for no release elsewhere). A
 * window's own fan-out needs none: it runs under LOCK_HOLD_SET_TO_PLAN, which waits for releases.
 */
export async function lockRunsBegun(db: Queryable, request: FanOutRequest): Promise<void> {
  // The runs begun found first, then their windows: driven from the footprint, it cost as much as the fan-out itself (a surge
  // over 103,000 runs 594 -> 975 ms). They are the first runs by start on occurrence_holdable_time, read from the first run
  // it holds on: that bound changes no answer, but PostgreSQL's statistics on starts_at cover every run kept, and without it
  // the planner took "begun" for most scheduled runs, read every one to the horizon by its end and hashed them all to join
  // back (62,600 buffers, 40-75 ms over two years of 2,000 windows, against 125-215 buffers and 0.1-1.9 ms). The bound
  // reads the index's statuses, so the index alone answers it: the first scheduled run would be found by reading from the
  // table every run in progress before it, runs never completed too (4,300 buffers for 5,300 of them).
  await db.query(
    `WITH begun AS MATERIALIZED (
       SELECT window_id, number FROM occurrence
        WHERE status = 'scheduled' AND starts_at >= (SELECT min(starts_at) FROM occurrence WHERE status IN ('scheduled', 'in-progress'))
          AND starts_at <= $4::timestamptz + ${BEGUN_MARGIN} AND starts_at < $3 AND ends_at > $2)
     SELECT 1 FROM begun JOIN occurrence o ON o.window_id = begun.window_id AND o.number = begun.number JOIN maintenance_window w ON w.id = o.window_id
      WHERE w.surge_policy = 'hold' AND w.status <> 'cancelled' AND (w.footprint_global OR w.footprint_regions && $1::text[]) AND o.status = 'scheduled'
      ORDER BY o.window_id, o.number FOR SHARE OF o`,
    [request.regions, request.from, request.until, request.now],
  );
}

/**
 * The set-based fan-out: one statement finds every occurrence of every non-exempt window whose
 * footprint includes a hold region (or is global) and that overlaps the period, and links it to
 * the hold (a second run links nothing twice, and writes nothing to the links it finds: see
 * NOT_LINKED_ALREADY and RELINK). The links go
 * in in key order, so the key's index is written page after page rather than all over. In-progress
 * occurrences are linked but run on; notify-only windows are linked as flagged, not held. Neither
 * occurrence nor window rows are written: held is read from the links (occurrenceStatusOf,
 * windowStatusOf in windows/window-record.ts).
 */
export async function fanOutHold(db: Queryable, request: FanOutRequest): Promise<FannedOccurrence[]> {
  if (!request.windowId) await lockRunsBegun(db, request);
  // Not a prepared statement: its best plan depends on the period and regions (a surge may hold
  // 100k occurrences or two), which a generic plan would not see.
  return (await db.query(
    `INSERT INTO hold_occurrence (hold_id, window_id, number, kind, in_progress, held_at, run_starts_at)
     ${candidatesOf(request)}
     ${request.fresh ? '' : RELINK}
     RETURNING window_id, number, kind, in_progress`,
    parametersOf(request),
  )) as FannedOccurrence[];
}

/** What a placement's fan-out linked, counted where the links are: the hold.placed of a hold over 34,000 runs needs no more. */
export interface PlacedFanOut {
  occurrences: number;
  heldOccurrences: number;
  windows: number;
  heldWindows: number;
  /** The first `listed` in id order, as hold.placed names them. */
  heldWindowIds: string[];
  notifyOnlyWindowIds: string[];
}

/**
 * fanOutHold for a hold placed in this transaction (`fresh`), answering with counts and the first
 * `listed` window ids rather than a row per link: reading back the 34,000 links of a one-region hold
 * over 2,333 global windows kept the event loop from the gate for 100-180 ms, only to count them.
 */
export async function fanOutPlacedHold(db: Queryable, request: FanOutRequest & { fresh: true }, listed: number): Promise<PlacedFanOut> {
  const [summary] = (await db.query(
    `WITH linked AS (
       INSERT INTO hold_occurrence (hold_id, window_id, number, kind, in_progress, held_at, run_starts_at)
       ${candidatesOf(request)}
       RETURNING window_id, kind)
     SELECT count(*)::int AS occurrences, (count(*) FILTER (WHERE kind = 'held'))::int AS "heldOccurrences",
            count(DISTINCT window_id)::int AS windows, (count(DISTINCT window_id) FILTER (WHERE kind = 'held'))::int AS "heldWindows",
            ARRAY(SELECT DISTINCT window_id FROM linked WHERE kind = 'held' ORDER BY window_id LIMIT $7) AS "heldWindowIds",
            ARRAY(SELECT DISTINCT window_id FROM linked WHERE kind = 'notify-only' ORDER BY window_id LIMIT $7) AS "notifyOnlyWindowIds"
       FROM linked`,
    [...parametersOf(request), listed],
  )) as PlacedFanOut[];
  return summary;
}

/** Whether fanOutHold would link anything, read without writing: a fan-out with nothing to link then need not lock or write the hold. */
export async function fanOutWouldLink(db: Queryable, request: FanOutRequest): Promise<boolean> {
  const [{ would }] = (await db.query(`SELECT EXISTS (${candidatesOf(request, false)}) AS would`, parametersOf(request))) as { would: boolean }[];
  return would;
}

/** The same effect one row at a time, as a loop over the candidates would do it: the bench's baseline. */
export async function fanOutHoldRowByRow(db: Queryable, request: FanOutRequest, limit = Number.MAX_SAFE_INTEGER): Promise<number> {
  const candidates = (await db.query(
    `SELECT o.window_id, o.number, w.surge_policy, o.status, o.starts_at
       FROM maintenance_window w JOIN occurrence o ON o.window_id = w.id
      WHERE w.surge_policy <> 'exempt' AND w.status <> 'cancelled'
        AND (w.footprint_global OR w.footprint_regions && $1::text[])
        AND o.starts_at < $3 AND o.ends_at > $2 AND o.status IN ('scheduled', 'in-progress')
      ORDER BY o.starts_at LIMIT $4`,
    [request.regions, request.from, request.until, Math.min(limit, 2_147_483_647)],
  )) as { window_id: string; number: number; surge_policy: string; status: string; starts_at: Date }[];
  for (const candidate of candidates) {
    await db.query(
      `INSERT INTO hold_occurrence (hold_id, window_id, number, kind, in_progress, held_at, run_starts_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ${request.fresh ? '' : RELINK}`,
      [request.holdId, candidate.window_id, candidate.number, candidate.surge_policy === 'notify-only' ? 'notify-only' : 'held', candidate.status === 'in-progress', request.now, candidate.starts_at],
    );
  }
  return candidates.length;
}

/** A window's link in force, not an override, with its run's times: what a change to the window found linked before it. */
export interface LinkInForce {
  hold_id: string;
  number: number;
  kind: 'held' | 'notify-only';
  held_at: Date;
  starts_at: Date;
  ends_at: Date;
}

/** The window's links in force that are not overrides, each with its run's start and end. */
export async function linksInForce(db: Queryable, windowId: string): Promise<LinkInForce[]> {
  return rowsOf<LinkInForce>(
    await db.query(
      `SELECT l.hold_id, l.number, l.kind, l.held_at, o.starts_at, o.ends_at FROM hold_occurrence l JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number
        WHERE l.window_id = $1 AND l.released_at IS NULL AND l.overridden_by IS NULL`,
      [windowId],
    ),
  );
}

/**
 * The links a fan-out of `holdId` just made over a window's runs (`numbers`) that the window had before a change let go of
 * them (`before`), of the same kind on a run at the same start and end (a replan numbers runs anew): given back the time
 * they held since; their numbers answered.
 */
export async function keepRelinked(db: Queryable, holdId: string, windowId: string, numbers: readonly number[], before: readonly LinkInForce[]): Promise<Set<number>> {
  const kept = before.filter((link) => link.hold_id === holdId);
  if (kept.length === 0 || numbers.length === 0) return new Set();
  const relinked = rowsOf<{ number: number }>(
    await db.query(
      `UPDATE hold_occurrence l SET held_at = b.held_at
         FROM occurrence o, unnest($4::text[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[]) AS b(kind, held_at, starts_at, ends_at)
        WHERE l.hold_id = $1 AND l.window_id = $2 AND l.number = ANY($3::int[]) AND o.window_id = l.window_id AND o.number = l.number
          AND l.kind = b.kind AND o.starts_at = b.starts_at AND o.ends_at = b.ends_at
       RETURNING l.number`,
      [holdId, windowId, numbers, kept.map((link) => link.kind), kept.map((link) => link.held_at), kept.map((link) => link.starts_at), kept.map((link) => link.ends_at)],
    ),
  );
  return new Set(relinked.map((link) => link.number));
}

/**
 * The stored window status follows its occurrences' stored statuses: in progress, needing a new
 * slot, scheduled, or done. Held is never stored (windowStatusOf reads it from the hold links), so
 * a fan-out leaves window rows alone; nor is cancelled for a window whose runs exdates all called
 * off: stored done, it stays changeable, and windowStatusOf reads it as cancelled.
 */
export async function refreshWindowStatus(db: Queryable, windowIds: readonly string[]): Promise<void> {
  if (windowIds.length === 0) return;
  await db.query(
    `UPDATE maintenance_window w SET status = s.status
       FROM (
         SELECT w2.id, CASE
           WHEN bool_or(o.status = 'in-progress') THEN 'in-progress'
           WHEN bool_or(o.status = 'needs-reschedule') THEN 'needs-reschedule'
           WHEN bool_or(o.status = 'scheduled') THEN 'scheduled'
           WHEN bool_or(o.status = 'missed') THEN 'needs-reschedule'
           ELSE 'completed' END AS status
           FROM maintenance_window w2 JOIN occurrence o ON o.window_id = w2.id
           JOIN unnest($1::uuid[]) AS t(id) ON t.id = w2.id
          WHERE w2.status <> 'cancelled'
          GROUP BY w2.id
       ) s
      WHERE w.id = s.id AND w.status <> s.status`,
    [windowIds],
  );
}

/** TypeORM's postgres driver answers UPDATE/DELETE ... RETURNING with [rows, count], INSERT and SELECT with rows. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
