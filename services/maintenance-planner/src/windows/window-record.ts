import type { Flexibility, Footprint, Occurrence, OccurrenceStatus, SurgePolicy, WindowPriority, WindowSnapshot, WindowStatus } from '@holdfast/contracts';
import type { LocalTimes } from '../regions/local-times';

/** A maintenance_window row as SQL returns it. */
export interface WindowRow {
  id: string;
  version: number;
  title: string;
  owner_team: string;
  footprint_global: boolean;
  footprint_regions: string[];
  footprint_shares: Record<string, number> | null;
  starts_at: Date;
  ends_at: Date;
  planned_zone: string;
  recurrence: string | null;
  exdates: string[];
  priority: WindowPriority;
  surge_policy: SurgePolicy;
  flexibility: Flexibility | null;
  /** The status readers see (windowStatusOf). */
  status: WindowStatus;
  /**
   * Cancelled itself (POST cancel or DELETE): for good, and what every check of a cancelled window asks.
   * `status` also reads cancelled when every run was called off by exdates, which a change can undo.
   */
  cancelled: boolean;
  expanded_until: Date;
  /** The local time it was planned to start at in planned_zone (PlannedLocalStart1768500000000); null when not recorded. */
  planned_local_start: string | null;
}

export interface OccurrenceRow {
  window_id: string;
  number: number;
  starts_at: Date;
  ends_at: Date;
  status: OccurrenceStatus;
  started_at: Date | null;
  completed_at: Date | null;
  proposed_slot: Occurrence['proposedSlot'] | null;
}

/**
 * Whether the hold of link `link` stops run `run` (each a table's name or alias): a cleared surge's
 * hold stops no run that starts at or after its release is due, as the gate lets that run start. So
 * from the clearance on such a run reads as its hold never held it, however late the sweep releases
 * the hold: scheduled, and missed if it never starts. A link naming no hold still holds (the sweep's
 * repair lets go of it).
 */
export function stopsRun(link: string, run: string): string {
  return `NOT EXISTS (SELECT 1 FROM hold due WHERE due.id = ${link}.hold_id AND due.release_due_at <= ${run}.starts_at)`;
}

/**
 * Whether hold link `link` of run `run` is in force (each a table's name or alias): held, not released, of a hold that stops the
 * run (stopsRun). `hold`: the link's hold row where the statement joins it already (LEFT JOIN, so a link naming no hold is in
 * force, as stopsRun reads it), tested there rather than looked up again.
 */
export function linkInForce(link: string, run: string, hold?: string): string {
  const stops = hold ? `(${hold}.release_due_at <= ${run}.starts_at) IS NOT TRUE` : stopsRun(link, run);
  return `(${link}.kind = 'held' AND ${link}.released_at IS NULL AND ${stops})`;
}

/**
 * Of a run's hold links `link` (the rows aggregated), as every runs list names them: `held_by`, the holds that stop it (in force,
 * not let through), first held first; `let_through_by`, those that would stop it but let it through with an override, first
 * overridden first. `inForce`: whether a link is in force, a column holding linkInForce's test, or `true` where the statement's
 * WHERE keeps only links in force (so that test, a subquery per link, runs once for each).
 */
export function heldByAndLetThroughBy(link: string, inForce: string): string {
  return `COALESCE(array_agg(${link}.hold_id ORDER BY ${link}.held_at, ${link}.hold_id) FILTER (WHERE ${inForce} AND ${link}.overridden_by IS NULL), '{}') AS held_by,
    COALESCE(array_agg(${link}.hold_id ORDER BY ${link}.overridden_at, ${link}.hold_id) FILTER (WHERE ${inForce} AND ${link}.overridden_by IS NOT NULL), '{}') AS let_through_by`;
}

/**
 * Whether an active hold holds occurrence `table` (the table's name or its alias): one of its
 * memberships is of kind held, not released and not overridden, of a hold that stops the run
 * (stopsRun). Held is never stored: a surge links 100k occurrences, and marking each row cost as
 * much as linking it. The membership key (window_id, number, hold_id) answers it with one index
 * probe, and the hold's primary key whether its release is due before the run.
 */
export function heldByActiveHold(table: string): string {
  return `EXISTS (SELECT 1 FROM hold_occurrence holding WHERE holding.window_id = ${table}.window_id AND holding.number = ${table}.number
      AND holding.kind = 'held' AND holding.released_at IS NULL AND holding.overridden_by IS NULL AND ${stopsRun('holding', table)})`;
}

/**
 * heldByActiveHold for a statement over many occurrences (the sweep's missed), read from the hold
 * side: the links in force of the holds in force, each one range of hold_occurrence_hold
 * (hold_id, released_at), so its cost follows the links in force and not every link ever kept. A
 * link in force whose hold is not (what the sweep's repair finds) does not count here: the sweep
 * repairs before it marks missed.
 */
export function heldThroughActiveHolds(table: string): string {
  return `EXISTS (SELECT 1 FROM hold JOIN hold_occurrence holding ON holding.hold_id = hold.id
      WHERE hold.released_at IS NULL AND holding.released_at IS NULL AND holding.window_id = ${table}.window_id AND holding.number = ${table}.number
        AND holding.kind = 'held' AND holding.overridden_by IS NULL AND ${stopsRun('holding', table)})`;
}

/** An occurrence's status as readers see it: one stored scheduled is held while an active hold holds it. */
export function occurrenceStatusOf(table: string): string {
  return `CASE WHEN ${table}.status = 'scheduled' AND ${heldByActiveHold(table)} THEN 'held' ELSE ${table}.status END`;
}

/** The columns of an OccurrenceRow, read from `table`, with the status readers see. */
export function occurrenceColumns(table = 'occurrence'): string {
  return `${table}.window_id, ${table}.number, ${table}.starts_at, ${table}.ends_at, ${occurrenceStatusOf(table)} AS status,
  ${table}.started_at, ${table}.completed_at, ${table}.proposed_slot`;
}

export const OCCURRENCE_COLUMNS = occurrenceColumns();

/**
 * A window's status as readers see it. The stored status never says held either: a window is
 * held while one of its occurrences is (scheduled, and held by an active hold that stops it), unless it is in
 * progress or done. Done with every run cancelled (exdates called off each, none ran) reads cancelled,
 * not completed, though the window itself was not cancelled: it stays changeable (stored done, its
 * gate says no run is left), and a date taken back out of its exdates brings it back.
 */
export function windowStatusOf(table: string): string {
  return `CASE WHEN ${table}.status IN ('scheduled', 'needs-reschedule')
      AND EXISTS (SELECT 1 FROM hold_occurrence holding JOIN occurrence held ON held.window_id = holding.window_id AND held.number = holding.number
                   WHERE holding.window_id = ${table}.id AND holding.kind = 'held' AND holding.released_at IS NULL AND holding.overridden_by IS NULL
                     AND held.status = 'scheduled' AND ${stopsRun('holding', 'held')}) THEN 'held'
    WHEN ${table}.status = 'completed' AND NOT EXISTS (SELECT 1 FROM occurrence run WHERE run.window_id = ${table}.id AND run.status <> 'cancelled') THEN 'cancelled'
    ELSE ${table}.status END`;
}

/** The columns of a WindowRow, read from `table` (the table's name or its alias), the status as `status` computes it. */
export function windowColumns(table = 'maintenance_window', status = windowStatusOf(table)): string {
  return `${table}.id, ${table}.version, ${table}.title, ${table}.owner_team, ${table}.footprint_global, ${table}.footprint_regions, ${table}.footprint_shares,
  ${table}.starts_at, ${table}.ends_at, ${table}.planned_zone, ${table}.recurrence, ${table}.exdates, ${table}.priority, ${table}.surge_policy, ${table}.flexibility,
  ${status} AS status, ${table}.status = 'cancelled' AS cancelled, ${table}.expanded_until, ${table}.planned_local_start`;
}

export const WINDOW_COLUMNS = windowColumns();

export function footprintOf(row: Pick<WindowRow, 'footprint_global' | 'footprint_regions' | 'footprint_shares'>): Footprint {
  return { global: row.footprint_global, regions: row.footprint_regions, ...(row.footprint_shares ? { shares: row.footprint_shares } : {}) };
}

/**
 * The regions whose local times a reader of this window needs: its footprint, or for a global window, which has none, the
 * ones given: a hold's regions for its events, those of the holds in force on a run for the API (readHoldingRegions).
 */
export function readerRegions(row: Pick<WindowRow, 'footprint_global' | 'footprint_regions'>, forGlobal: readonly string[] = []): string[] {
  return row.footprint_global ? [...forGlobal] : row.footprint_regions;
}

/** The window as the contract's snapshot, with local times in every footprint region. */
export function windowSnapshot(row: WindowRow, localTimes: LocalTimes, forGlobal: readonly string[] = []): WindowSnapshot {
  return {
    windowId: row.id,
    version: row.version,
    title: row.title,
    ownerTeam: row.owner_team,
    footprint: footprintOf(row),
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    plannedZone: row.planned_zone,
    ...(row.recurrence ? { recurrence: row.recurrence } : {}),
    ...(row.recurrence && row.exdates.length > 0 ? { exdates: row.exdates } : {}),
    priority: row.priority,
    surgePolicy: row.surge_policy,
    ...(row.flexibility ? { flexibility: row.flexibility } : {}),
    status: row.status,
    localTimes: localTimes.of(row.starts_at, row.ends_at, readerRegions(row, forGlobal)),
  };
}

export function occurrenceView(row: OccurrenceRow, regions: readonly string[], localTimes: LocalTimes, inProgress?: boolean): Occurrence {
  return {
    number: row.number,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    status: row.status,
    ...(inProgress !== undefined ? { inProgress } : {}),
    localTimes: localTimes.of(row.starts_at, row.ends_at, regions),
    ...(row.proposed_slot ? { proposedSlot: row.proposed_slot } : {}),
  };
}

/**
 * From when a start takes the run by its time, as windows start checks it (assertDue): `earlyStartMs`
 * (OCCURRENCE_EARLY_START_MINUTES) before its start, for one scheduled or held; null for one no time bounds.
 * Said on the run so a caller (holdfast gate) need not guess the planner's setting.
 */
export function startableFrom(row: Pick<OccurrenceRow, 'status' | 'starts_at'>, earlyStartMs: number): string | null {
  return row.status === 'scheduled' || row.status === 'held' ? new Date(row.starts_at.getTime() - earlyStartMs).toISOString() : null;
}
