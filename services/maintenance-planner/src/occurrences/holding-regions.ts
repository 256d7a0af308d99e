import type { Queryable } from '../holds/hold-fanout.sql';
import { stopsRun } from '../windows/window-record';

/** A run by its window and number. */
export interface RunKey {
  window_id: string;
  number: number;
}

/** The regions a run's holds in force hold it in (readHoldingRegions); none for a run nothing holds. */
export type HoldingRegions = (run: RunKey) => readonly string[];

/**
 * The regions of each run's holds in force (links not released, of holds that stop the run: stopsRun), whether they hold it,
 * flag it (a notify-only window's) or let it through by an override; first held first, each hold's in its own order.
 */
const READ_HOLDING_REGIONS = `SELECT l.window_id, l.number, h.regions
   FROM unnest($1::uuid[], $2::int[]) AS run(window_id, number)
   JOIN hold_occurrence l ON l.window_id = run.window_id AND l.number = run.number
   JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number
   JOIN hold h ON h.id = l.hold_id
  WHERE l.released_at IS NULL AND ${stopsRun('l', 'o')}
  ORDER BY l.held_at, l.hold_id`;

const NONE: HoldingRegions = () => [];

/**
 * The regions a global window's runs are read in, having no footprint regions: those of the holds in force on each, as
 * window.held gives a global window the regions of its hold. One query for all the runs given (a page's), none for no run:
 * give the runs of global windows only.
 */
export async function readHoldingRegions(db: Queryable, runs: readonly RunKey[]): Promise<HoldingRegions> {
  if (runs.length === 0) return NONE;
  const rows = (await db.query(READ_HOLDING_REGIONS, [runs.map((run) => run.window_id), runs.map((run) => run.number)])) as (RunKey & { regions: string[] })[];
  const byRun = new Map<string, Map<number, Set<string>>>();
  for (const row of rows) {
    let byNumber = byRun.get(row.window_id);
    if (!byNumber) byRun.set(row.window_id, (byNumber = new Map()));
    let regions = byNumber.get(row.number);
    if (!regions) byNumber.set(row.number, (regions = new Set()));
    for (const region of row.regions) regions.add(region);
  }
  return (run) => [...(byRun.get(run.window_id)?.get(run.number) ?? [])];
}
