import { Clock, DomainError, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { MetricsRegistry } from '@holdfast/observability';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { PlannerSettings } from '../config/planner-settings';
import { HoldsService } from '../holds/holds.service';

/** Holds listed in a 423 answer at most; `holdCount` says how many there are. */
export const GATE_LISTED_HOLDS = 10;

export interface GateHold {
  id: string;
  regions: string[];
  reason: string;
  source: string;
  from: string;
  until: string | null;
}

/** An instant as the API writes it (2026-06-15T03:00:00.000Z), written by PostgreSQL. */
const instant = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * What one gate question reads, in one statement: the window's footprint (or the regions asked
 * about), and the active holds at that instant on them, less those the window was let through by
 * an override; exempt and notify-only windows are never stopped. Only the holds a 423 lists come
 * back, with the count and the latest end for Retry-After, so a region under hundreds of holds
 * costs no more to answer.
 */
const GATE_QUERY = `
  WITH asked AS (
    SELECT w.footprint_global AS global, w.footprint_regions AS regions, w.surge_policy = 'hold' AS holdable
      FROM maintenance_window w WHERE $2::uuid IS NOT NULL AND w.id = $2
    UNION ALL
    SELECT false, $3::text[], true WHERE $2::uuid IS NULL
  ), holding AS (
    SELECT hold.id, hold.regions, hold.reason, hold.source, hold.from_at, hold.until_at, hold.placed_at
      FROM hold, asked
     WHERE asked.holdable AND hold.released_at IS NULL AND hold.from_at <= $1 AND (hold.until_at IS NULL OR hold.until_at > $1)
       AND (asked.global OR hold.regions && asked.regions)
       -- One hashed look-up of the window's overrides, not a probe per active hold (2.4 ms -> 0.5 ms at 1k active holds).
       AND hold.id NOT IN (SELECT h.hold_id FROM hold_occurrence h WHERE h.window_id = $2 AND h.overridden_by IS NOT NULL)
  )
  SELECT (SELECT count(*) FROM asked)::int AS asked,
         (SELECT count(*) FROM holding)::int AS holds,
         (SELECT bool_or(until_at IS NULL) FROM holding) AS open_ended,
         (SELECT max(until_at) FROM holding) AS latest_until,
         (SELECT json_agg(json_build_object('id', id, 'regions', regions, 'reason', reason, 'source', source, 'from', ${instant('from_at')}, 'until', ${instant('until_at')})
                           ORDER BY until_at NULLS LAST, placed_at)
            FROM (SELECT * FROM holding ORDER BY until_at NULLS LAST, placed_at LIMIT $4) listed) AS listed`;

interface GateRow {
  asked: number;
  holds: number;
  open_ended: boolean | null;
  latest_until: Date | null;
  listed: GateHold[] | null;
}

/** "May I start now?", answered from the planner's own tables with one indexed query per question. */
@Injectable()
export class GateService {
  private readonly answers;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly holds: HoldsService,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
    metrics: MetricsRegistry,
  ) {
    this.answers = metrics.counter('holdfast_gate_answers_total', 'Gate answers, by outcome', ['outcome']);
  }

  /** TypeORM's pg pool: its query() takes a statement name, which TypeORM's own query() does not pass on. */
  private get pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }

  /** Throws the 423 problem document (holds listed, Retry-After set) when something holds it. */
  async check(query: { windowId?: string; regions?: string[]; at?: Date }): Promise<{ allowed: true; at: string }> {
    const at = query.at ?? this.clock.now();
    const regions = query.windowId ? null : this.holds.knownRegions(query.regions ?? []);
    // A named statement: each pooled connection plans it once, not on every question.
    const { rows } = await this.pool.query<GateRow>({ name: 'planner-gate', text: GATE_QUERY, values: [at, query.windowId ?? null, regions, GATE_LISTED_HOLDS] });
    const [row] = rows;
    if (row.asked === 0) throw new DomainError('window-not-found', 404, `No window ${query.windowId}: list windows with GET /v1/windows.`);
    if (row.holds === 0) {
      this.answers.inc({ outcome: 'allowed' });
      return { allowed: true, at: at.toISOString() };
    }
    this.answers.inc({ outcome: 'held' });
    const retryAfterSeconds =
      row.open_ended || !row.latest_until ? this.config.settings.gateRetryAfterSeconds : Math.max(1, Math.ceil((row.latest_until.getTime() - at.getTime()) / 1000));
    const listed = row.listed ?? [];
    const what = query.windowId ? `Window ${query.windowId}` : `Regions ${(query.regions ?? []).join(', ')}`;
    const named = listed.slice(0, 3).map((hold) => `${hold.id} (${hold.regions.join(', ')}: ${hold.reason})`).join('; ');
    const more = row.holds > 3 ? ` and ${row.holds - 3} more` : '';
    throw new DomainError(
      'held',
      423,
      `${what} ${row.holds === 1 ? 'is' : 'are'} held by ${named}${more}. Wait and retry, or ask for an override with a reason.`,
      { holds: listed, holdCount: row.holds, retryAfterSeconds, at: at.toISOString() },
    );
  }
}
