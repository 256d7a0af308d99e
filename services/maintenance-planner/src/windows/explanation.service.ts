import type { SurgeEvidence } from '@holdfast/contracts';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuditTransition } from '../audit/audit-entry-view.schema';
import type { PlannerSettings } from '../config/planner-settings';
import { HOLD_COLUMNS, holdView, type HoldRow, type LostSignal } from '../holds/hold-record';
import { LocalTimes } from '../regions/local-times';
import { PLANNED_ZONE_REGION, SlotProposer } from '../slots/slot-proposer';
import type { WindowExplanation, WindowSuggestions } from './explanation-view.schema';
import { windowCancelled } from './window-cancelled';
import { WindowsService } from './windows.service';
import { OCCURRENCE_COLUMNS, readerRegions, type OccurrenceRow } from './window-record';

/** Answers "why is it held?" and "when would hurt least?" from the planner's own tables. */
@Injectable()
export class ExplanationService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly windows: WindowsService,
    private readonly proposer: SlotProposer,
    private readonly localTimes: LocalTimes,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  async explain(id: string): Promise<WindowExplanation> {
    const window = await this.windows.row(this.dataSource.manager, id);
    const holds = (await this.dataSource.query(
      `SELECT ${HOLD_COLUMNS.split(',').map((column) => `hold.${column.trim()}`).join(', ')}, hold.start_evidence, hold.signal_loss,
              array_agg(h.number ORDER BY h.number) AS numbers, bool_or(h.overridden_by IS NOT NULL) AS overridden, bool_or(h.in_progress) AS in_progress
         FROM hold JOIN hold_occurrence h ON h.hold_id = hold.id WHERE h.window_id = $1
        GROUP BY hold.id ORDER BY hold.placed_at`,
      [id],
    )) as (HoldRow & { start_evidence: SurgeEvidence | null; signal_loss: LostSignal | null; numbers: number[]; overridden: boolean; in_progress: boolean })[];
    const audit = async (subjectIds: string[]): Promise<AuditTransition[]> => {
      const rows = (await this.dataSource.query(
        `SELECT subject_type AS "subjectType", subject_id AS "subjectId", action, actor, at, cause_event_id AS "causeEventId", details FROM audit_entry WHERE subject_id = ANY($1::uuid[]) ORDER BY at, id`,
        [subjectIds],
      )) as (Omit<AuditTransition, 'at'> & { at: Date })[];
      return rows.map((row) => ({ ...row, at: row.at.toISOString() }));
    };
    return {
      windowId: id,
      status: window.status,
      holds: await Promise.all(
        holds.map(async (hold) => ({
          hold: holdView(hold, this.config.settings.holdCooldownMs),
          occurrences: hold.numbers,
          overridden: hold.overridden,
          inProgressWhenHeld: hold.in_progress,
          cause: {
            kind: hold.source === 'manual' ? 'manual request' : hold.source === 'detector' ? 'surge' : hold.source,
            source: hold.source,
            causeId: hold.cause_id,
            reason: hold.surge_reason ?? hold.reason,
            severity: hold.severity,
            evidence: hold.evidence,
            startSample: startSampleOf(hold),
            signalLoss: hold.signal_loss,
            requestedBy: hold.placed_by,
            causeEventId: hold.cause_event_id,
            correlationId: hold.correlation_id,
          },
          audit: await audit([hold.id]),
        })),
      ),
      audit: await audit([id]),
    };
  }

  async suggest(id: string, count: number): Promise<WindowSuggestions> {
    const window = await this.windows.row(this.dataSource.manager, id);
    if (window.cancelled) throw await windowCancelled(this.dataSource, id, 'it needs no slot');
    const now = this.clock.now();
    // The run that needs a slot: a held one still ahead or one needing a new slot, else the next
    // scheduled one; runs that were missed, done or cancelled are history, not compared against.
    const [next] = (await this.dataSource.query(
      `SELECT * FROM (SELECT ${OCCURRENCE_COLUMNS} FROM occurrence WHERE window_id = $1 AND status IN ('needs-reschedule', 'scheduled')) occurrence
        WHERE status = 'needs-reschedule' OR starts_at > $2
        ORDER BY (status = 'scheduled'), starts_at LIMIT 1`,
      [id, now],
    )) as OccurrenceRow[];
    const current = next ? { start: next.starts_at, end: next.ends_at } : { start: window.starts_at, end: window.ends_at };
    const proposal = await this.proposer.propose(this.dataSource, window, current, now, count);
    return {
      windowId: id,
      occurrence: next?.number ?? null,
      current: proposal.current ? { ...proposal.current, heldRegions: [...(proposal.result.current?.heldRegions ?? [])], withinAllowedLocalHours: proposal.result.current?.withinAllowedLocalHours ?? true } : null,
      slots: proposal.slots,
      scoredRegions: proposal.regions,
      fallbackRegions: [...proposal.result.fallbackRegions],
      notes: proposal.notes,
      localTimesOfCurrent: this.localTimes.of(current.start, current.end, readerRegions(window, proposal.regions.filter((region) => region !== PLANNED_ZONE_REGION))),
    };
  }
}

/**
 * The sample that started a surge's hold: the deciding sample (the last) of the evidence its surge.started came with, which
 * the hold keeps (start_evidence). A hold placed before HoldStartEvidence1769100300000, or from a surge.updated whose start
 * the planner never saw, keeps none: its sample is the one taken at the hold's from (the surge's start) in the surge's latest
 * evidence, whose samples (the last few judged) reach back to it only while the surge was last updated soon after it.
 */
function startSampleOf(hold: Pick<HoldRow, 'source' | 'evidence' | 'from_at'> & { start_evidence: SurgeEvidence | null }): NonNullable<SurgeEvidence['samples']>[number] | null {
  if (hold.source !== 'detector') return null;
  if (hold.start_evidence) return hold.start_evidence.samples?.at(-1) ?? null;
  return hold.evidence?.samples?.find((sample) => Date.parse(sample.at) === hold.from_at.getTime()) ?? null;
}
