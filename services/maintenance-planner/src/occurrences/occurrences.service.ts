import { RegionCatalog } from '@holdfast/regions';
import { decodeCursor, InjectServiceConfig, pageOf, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { readRuns, type RunPosition } from '../calendars/calendar-runs.sql';
import type { PlannerSettings } from '../config/planner-settings';
import { holdNotFound } from '../holds/hold-record';
import { LocalTimes } from '../regions/local-times';
import { footprintOf, occurrenceView, readerRegions, startableFrom } from '../windows/window-record';
import { type HoldingRegions, readHoldingRegions } from './holding-regions';
import { type HoldRunRow, readHoldRuns } from './hold-runs.sql';
import type { RunUnderHold, WindowOccurrence, WindowOccurrencePage } from './occurrence-view.schema';
import type { WindowOccurrencesQuery } from './occurrences-query.schema';
import { knownRegionCodes } from '../regions/known-regions';

const RUN_KEY = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([1-9]\d{0,9})$/i;
const RUN_NUMBER_MAX = 2_147_483_647;

/** A cursor's key of a run, `<window id>/<number>`, as the query takes it; null when it is none. */
function runKeyOf(key: string): Omit<RunPosition, 'startsAt'> | null {
  const match = RUN_KEY.exec(key);
  if (!match || Number(match[2]) > RUN_NUMBER_MAX) return null;
  return { windowId: match[1].toLowerCase(), number: Number(match[2]) };
}

/** What a hold's link says of a run (byHold). */
type RunUnderHoldRow = Pick<HoldRunRow, 'kind' | 'held_at' | 'overridden_by' | 'override_reason' | 'overridden_at'>;
/** A run as the list shows it, read by readRuns or readHoldRuns. */
type ListedRun = Omit<HoldRunRow, keyof RunUnderHoldRow>;

/** The runs of every window, or of a team's, a region's or a hold's, in start order: a page of them for one request, not one request a window. */
@Injectable()
export class OccurrencesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: RegionCatalog,
    private readonly localTimes: LocalTimes,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  async list(query: WindowOccurrencesQuery): Promise<WindowOccurrencePage> {
    const after = query.cursor ? decodeCursor(query.cursor, runKeyOf) : undefined;
    const asked = {
      team: query.team,
      region: query.region === undefined ? undefined : this.regionCode(query.region),
      endedAfter: query.from,
      startedBefore: query.to,
      status: query.status,
      after: after && { startsAt: after.at, ...after.id },
      limit: query.limit + 1,
    };
    if (query.hold !== undefined) {
      await this.assertHold(query.hold);
      const rows = await readHoldRuns(this.dataSource, { holdId: query.hold, ...asked });
      const holding = await readHoldingRegions(this.dataSource, rows.filter((run) => run.footprint_global));
      return pageOf(rows, query.limit, positionOf, (run) => ({ ...this.item(run, holding), byHold: underHold(run) }));
    }
    const rows = await readRuns(this.dataSource, asked);
    const holding = await readHoldingRegions(this.dataSource, rows.filter((run) => run.footprint_global));
    return pageOf(rows, query.limit, positionOf, (run) => this.item(run, holding));
  }

  private item(run: ListedRun, holding: HoldingRegions): WindowOccurrence {
    return {
      windowId: run.window_id,
      title: run.title,
      ownerTeam: run.owner_team,
      footprint: footprintOf(run),
      plannedZone: run.planned_zone,
      surgePolicy: run.surge_policy,
      ...occurrenceView(run, readerRegions(run, holding(run)), this.localTimes),
      heldBy: run.held_by,
      letThroughBy: run.let_through_by,
      startableFrom: startableFrom(run, this.config.settings.earlyStartMs),
    };
  }

  /** A hold of that id, or 404 as GET /v1/holds/{id} answers: an empty list would read as a hold that holds nothing. */
  private async assertHold(id: string): Promise<void> {
    const [found] = (await this.dataSource.query('SELECT 1 FROM hold WHERE id = $1', [id])) as unknown[];
    if (!found) throw holdNotFound(id);
  }

  /** The catalog's code for a region typed in any case, or 422 naming it, as the windows list answers. */
  private regionCode(region: string): string {
    return knownRegionCodes(this.catalog, [region], 'region')[0];
  }
}

const positionOf = (run: ListedRun) => ({ at: run.starts_at, id: `${run.window_id}/${run.number}` });

function underHold(link: RunUnderHoldRow): RunUnderHold {
  return {
    kind: link.kind,
    heldAt: link.held_at.toISOString(),
    overriddenBy: link.overridden_by,
    overrideReason: link.override_reason,
    overriddenAt: link.overridden_at?.toISOString() ?? null,
  };
}
