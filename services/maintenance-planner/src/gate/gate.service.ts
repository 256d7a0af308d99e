import { Clock, DomainError, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { MetricsRegistry } from '@holdfast/observability';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PlannerSettings } from '../config/planner-settings';
import { HOLD_COLUMNS, type HoldRow } from '../holds/hold-record';
import { HoldsService } from '../holds/holds.service';

export interface GateHold {
  id: string;
  regions: string[];
  reason: string;
  source: string;
  from: string;
  until: string | null;
}

/**
 * "May I start now?", answered from the planner's own tables with one indexed query: the active
 * holds at that instant on the regions asked about (or the window's footprint), less those the
 * window was let through by an override. Exempt and notify-only windows are never stopped.
 */
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

  async holdsOn(query: { windowId?: string; regions?: string[]; at?: Date }): Promise<HoldRow[]> {
    const at = query.at ?? this.clock.now();
    if (query.windowId) {
      const [window] = (await this.dataSource.query('SELECT footprint_global, footprint_regions, surge_policy, status FROM maintenance_window WHERE id = $1', [query.windowId])) as {
        footprint_global: boolean;
        footprint_regions: string[];
        surge_policy: string;
      }[];
      if (!window) throw new DomainError('window-not-found', 404, `No window ${query.windowId}: list windows with GET /v1/windows.`);
      if (window.surge_policy !== 'hold') return [];
      return (await this.dataSource.query(
        `SELECT ${HOLD_COLUMNS} FROM hold
          WHERE released_at IS NULL AND from_at <= $1 AND (until_at IS NULL OR until_at > $1)
            AND ($2::boolean OR regions && $3::text[])
            AND NOT EXISTS (SELECT 1 FROM hold_occurrence h WHERE h.hold_id = hold.id AND h.window_id = $4 AND h.overridden_by IS NOT NULL)
          ORDER BY placed_at`,
        [at, window.footprint_global, window.footprint_regions, query.windowId],
      )) as HoldRow[];
    }
    const regions = this.holds.knownRegions(query.regions ?? []);
    return (await this.dataSource.query(
      `SELECT ${HOLD_COLUMNS} FROM hold WHERE released_at IS NULL AND from_at <= $1 AND (until_at IS NULL OR until_at > $1) AND regions && $2::text[] ORDER BY placed_at`,
      [at, regions],
    )) as HoldRow[];
  }

  /** Throws the 423 problem document (holds listed, Retry-After set) when something holds it. */
  async check(query: { windowId?: string; regions?: string[]; at?: Date }): Promise<{ allowed: true; at: string }> {
    const at = query.at ?? this.clock.now();
    const holds = await this.holdsOn({ ...query, at });
    if (holds.length === 0) {
      this.answers.inc({ outcome: 'allowed' });
      return { allowed: true, at: at.toISOString() };
    }
    this.answers.inc({ outcome: 'held' });
    const ends = holds.map((hold) => hold.until_at?.getTime() ?? Number.POSITIVE_INFINITY);
    const latest = Math.max(...ends);
    const retryAfterSeconds = Number.isFinite(latest) ? Math.max(1, Math.ceil((latest - at.getTime()) / 1000)) : this.config.settings.gateRetryAfterSeconds;
    const what = query.windowId ? `Window ${query.windowId}` : `Regions ${(query.regions ?? []).join(', ')}`;
    throw new DomainError(
      'held',
      423,
      `${what} ${holds.length === 1 ? 'is' : 'are'} held by ${holds.length} hold${holds.length === 1 ? '' : 's'}, first ${holds
        .slice(0, 3)
        .map((hold) => `${hold.id} (${hold.regions.join(', ')}: ${hold.reason})`)
        .join('; ')}. Wait and retry, or ask for an override with a reason.`,
      { holds: holds.map(gateHold), retryAfterSeconds, at: at.toISOString() },
    );
  }
}

export function gateHold(hold: HoldRow): GateHold {
  return { id: hold.id, regions: hold.regions, reason: hold.reason, source: hold.source, from: hold.from_at.toISOString(), until: hold.until_at?.toISOString() ?? null };
}
