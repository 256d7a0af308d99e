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
  status: WindowStatus;
  expanded_until: Date;
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
 * A window's status as readers see it. The stored status never says held: a surge fans out to
 * 100k windows, and rewriting each window row cost more than the fan-out itself. A window is held
 * while one of its occurrences is (those are marked), unless it is in progress or done.
 */
export function windowStatusOf(table: string): string {
  return `CASE WHEN ${table}.status IN ('scheduled', 'needs-reschedule')
      AND EXISTS (SELECT 1 FROM occurrence held WHERE held.window_id = ${table}.id AND held.status = 'held') THEN 'held' ELSE ${table}.status END`;
}

/** The columns of a WindowRow, read from `table` (the table's name or its alias). */
export function windowColumns(table = 'maintenance_window'): string {
  return `${table}.id, ${table}.version, ${table}.title, ${table}.owner_team, ${table}.footprint_global, ${table}.footprint_regions, ${table}.footprint_shares,
  ${table}.starts_at, ${table}.ends_at, ${table}.planned_zone, ${table}.recurrence, ${table}.exdates, ${table}.priority, ${table}.surge_policy, ${table}.flexibility,
  ${windowStatusOf(table)} AS status, ${table}.expanded_until`;
}

export const WINDOW_COLUMNS = windowColumns();

export function footprintOf(row: WindowRow): Footprint {
  return { global: row.footprint_global, regions: row.footprint_regions, ...(row.footprint_shares ? { shares: row.footprint_shares } : {}) };
}

/** The regions whose local times a reader of this window needs: its footprint, or for a global window the ones given. */
export function readerRegions(row: WindowRow, forGlobal: readonly string[] = []): string[] {
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
