import { timeZoneRules } from '@holdfast/observability';
import { Clock } from '@holdfast/service-kit';
import { instantToWallClock } from '@holdfast/time';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { EventLoopTurns } from '../event-loop-turns';
import { HoldsService } from '../holds/holds.service';
import { localWithOffset } from './clock-change';
import { runsOffRule, withoutRunsMovedToSlots, type RunOffRule, type RunTimes, type StoredRun } from './runs-off-rule';
import { WINDOW_COLUMNS, type WindowRow } from './window-record';
import { WindowsService } from './windows.service';

// One replica checks a new release; another that takes the lock after it finds the release recorded.
const LOCK_ZONE_RULES = `SELECT pg_advisory_xact_lock(hashtext('maintenance_planner/zone-rules'), 0)`;
// Runs a window's owner is shown per window: the first few say what happened, the count says how much.
const RUNS_SHOWN = 3;
// Thousands of recurring windows are expanded once per new release, at about 0.03 ms a run: the gate is answered between every 250 runs.
const RUNS_PER_TURN = 250;
const WINDOWS_PER_PAGE = 200;
// A change of a zone's rules moves its clocks by an hour or two; stored runs further from their rule runs were moved on purpose.
const MAX_SHIFT_MS = 3 * 3_600_000;

/**
 * A window whose stored runs to come no longer fell where its rule puts them, or whose start the
 * rules now read as another local time than it was planned at: how many runs moved (0: left to its
 * owner), and where its start moved (null: it did not).
 */
export interface WindowOffRule {
  readonly windowId: string;
  readonly runs: readonly RunOffRule[];
  readonly moved: number;
  readonly startsAt: Date | null;
}

/** Whether the check moved the window to its rule (its runs or its start), rather than leaving it to its owner. */
export const movedToRule = (window: WindowOffRule): boolean => window.moved > 0 || window.startsAt !== null;

/**
 * A window's runs are stored as instants, computed by the time zone database release (tzdata) of
 * the Node that planned them. When a planner runs on a newer release than the one it last
 * checked, it expands every window's rule again (a one-off window's one run) from the local time
 * the window was planned to start at, and finds the runs to come that no longer fall where the
 * rule now puts them (a zone whose clocks the new release moves: America/Vancouver from 2026-11-01
 * in 2026c), and the windows planned for after the change, whose start itself the new rules read
 * as another local time. Where the runs pair with the rule's (movesToRule) it moves them there,
 * numbers kept, and the window's start with them (WindowsService.moveRunsToRule, told as
 * window.updated); a run the planner moved to a slot stays at its slot and is no part of it. Where they do not pair (a
 * rule that now gives more or fewer runs), it warns and audits, naming the PATCH that plans them
 * again. Then it records the release. A planner on an older release than the one recorded
 * checks nothing, so replicas on two releases do not check by turns at every sweep.
 */
@Injectable()
export class ZoneRulesCheck {
  private readonly logger = new Logger(ZoneRulesCheck.name);
  // The newer release another planner recorded that this one was last told of: said once, not at every sweep.
  private olderThan: string | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly windows: WindowsService,
    private readonly holds: HoldsService,
    private readonly clock: Clock,
  ) {}

  /** The windows found off their rule, when this release is newer than the one recorded; none otherwise. */
  async checkNewRelease(release = timeZoneRules().tzdata): Promise<WindowOffRule[]> {
    // Read unlocked first: at every sweep but the first after an upgrade, this is all it does.
    const known = await recordedRelease(this.dataSource.manager);
    if (known !== null && known > release && known !== this.olderThan) {
      this.olderThan = known;
      this.logger.warn(
        { release, recorded: known },
        `this planner applies tzdata ${release}, older than the ${known} another planner checked the runs against: the runs it stores follow the older rules wherever they differ. Run every replica on the same Node build (holdfast_time_zone_rules_info says which has which)`,
      );
    }
    if (!isNewer(release, known)) return [];
    return this.dataSource.transaction(async (tx) => {
      await tx.query(LOCK_ZONE_RULES);
      const recorded = await recordedRelease(tx);
      if (!isNewer(release, recorded)) return [];
      const now = this.clock.now();
      const off = await this.windowsOffRule(tx, now, { release, previous: recorded });
      await tx.query(
        `INSERT INTO zone_rules_release (single, release, recorded_at) VALUES (true, $1, $2)
         ON CONFLICT (single) DO UPDATE SET release = EXCLUDED.release, recorded_at = EXCLUDED.recorded_at`,
        [release, now],
      );
      const moved = off.filter(movedToRule).length;
      this.logger.log(
        { release, previous: recorded, windowsOffRule: off.length, windowsMoved: moved },
        `time zone rules are now tzdata ${release} (checked before: ${recorded ?? 'none recorded'}); ${off.length} window${off.length === 1 ? ' had' : 's had'} runs to come off their rule: ${moved} moved to it, ${off.length - moved} left to their owners`,
      );
      return off;
    });
  }

  private async windowsOffRule(tx: EntityManager, now: Date, releases: { release: string; previous: string | null }): Promise<WindowOffRule[]> {
    const off: WindowOffRule[] = [];
    const turns = new EventLoopTurns(RUNS_PER_TURN);
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      // A page of windows and their runs at a time: 100k runs read at once held the event loop for a third of a second.
      const rows = (await tx.query(
        `SELECT ${WINDOW_COLUMNS} FROM maintenance_window
          WHERE status <> 'cancelled' AND (CASE WHEN recurrence IS NULL THEN starts_at ELSE expanded_until END) > $1 AND id > $2 ORDER BY id LIMIT ${WINDOWS_PER_PAGE}`,
        [now, after],
      )) as WindowRow[];
      if (rows.length === 0) return off;
      after = rows[rows.length - 1].id;
      const stored = (await tx.query(
        `SELECT window_id, number, starts_at, ends_at FROM occurrence WHERE window_id = ANY($1::uuid[]) AND status = 'scheduled' AND starts_at > $2`,
        [rows.map((row) => row.id), now],
      )) as { window_id: string; number: number; starts_at: Date; ends_at: Date }[];
      const byWindow = new Map<string, StoredRun[]>();
      for (const run of stored) {
        const runs = byWindow.get(run.window_id) ?? byWindow.set(run.window_id, []).get(run.window_id)!;
        runs.push({ number: run.number, start: run.starts_at, end: run.ends_at });
      }
      for (const row of rows) {
        const runs = byWindow.get(row.id) ?? [];
        await turns.before(1 + runs.length);
        const ahead = this.ruleRunsAhead(row, now);
        if (!ahead) continue;
        const ruled = runs.filter((run) => run.start < ahead.through);
        let offRuns = runsOffRule(ruled, ahead.runs);
        // A run the planner moved to a slot is off its rule on purpose: only a window found off has its trail read for them.
        if (offRuns.length > 0) offRuns = runsOffRule(withoutRunsMovedToSlots(ruled, await this.windows.runsMovedToSlots(tx, row.id)), ahead.runs);
        if (offRuns.length === 0 && !ahead.start) continue;
        const moved = await this.windows.moveRunsToRule(row.id, MAX_SHIFT_MS, {
          reason: `${row.planned_zone}'s rules changed with tzdata ${releases.release}: the runs to come move back to the local time the window was planned at in that zone`,
          details: releases,
        });
        // Judged again under the window's lock: a change committed since (a PATCH, a cancel) may have left nothing to move.
        if (moved && moved.moves.length === 0 && !moved.startsAt) continue;
        if (moved) {
          off.push({ windowId: row.id, runs: offRuns, moved: moved.moves.length, startsAt: moved.startsAt });
          const start = moved.startsAt ? `its start moved to ${moved.startsAt.toISOString()} (${row.planned_local_start} local, as planned) and ` : '';
          this.logger.log(
            { windowId: row.id, ownerTeam: row.owner_team, zone: row.planned_zone, moved: moved.moves.length, startsAt: moved.startsAt, ...releases },
            `window ${row.id} (${row.title}, ${row.owner_team}): ${start}${moved.moves.length} of its runs to come moved back to the local time it was planned at by tzdata ${releases.release}, numbers kept; window.updated tells its subscribers`,
          );
          continue;
        }
        off.push({ windowId: row.id, runs: offRuns, moved: 0, startsAt: null });
        const { reason, ...details } = leftToOwner(row, offRuns, ahead.runs.at(0));
        this.logger.warn({ windowId: row.id, ownerTeam: row.owner_team, zone: row.planned_zone, ...details }, reason);
        // On the window's trail too, where its owner reads it (GET /v1/audit?subject=..., holdfast audit).
        await this.holds.audit(tx, { subjectType: 'window', subjectId: row.id, action: 'runs-off-zone-rules', actor: 'planner', details: { ...releases, ...details, reason } });
      }
    }
  }

  /** The window's rule runs ahead, expanded now from the local time it was planned at; undefined when today's expander refuses its rule. */
  private ruleRunsAhead(row: WindowRow, now: Date): ReturnType<WindowsService['ruleRunsAhead']> | undefined {
    try {
      return this.windows.ruleRunsAhead(row, now);
    } catch (error) {
      // A rule today's expander refuses is the horizon step's to report, at every sweep.
      this.logger.warn({ windowId: row.id, err: error }, `window ${row.id}: its rule could not be expanded to check it against tzdata; the sweep's horizon step says why`);
      return undefined;
    }
  }
}

async function recordedRelease(db: EntityManager): Promise<string | null> {
  const [row] = (await db.query('SELECT release FROM zone_rules_release')) as { release: string }[];
  return row?.release ?? null;
}

/** tzdata releases are a year and a letter ("2026c"), so text order is release order. */
const isNewer = (release: string, recorded: string | null): boolean => recorded === null || release > recorded;

function described({ run, ruleRun }: RunOffRule, zone: string) {
  return {
    number: run.number,
    storedAt: run.start.toISOString(),
    storedLocal: instantToWallClock(run.start, zone),
    ruleAt: ruleRun?.start.toISOString() ?? null,
    ruleLocal: ruleRun ? instantToWallClock(ruleRun.start, zone) : null,
  };
}

/** What a window whose runs could not be moved to its rule gets in the log and on its trail: the first runs, the PATCH that plans them again, and why. */
function leftToOwner(row: WindowRow, runs: readonly RunOffRule[], next: RunTimes | undefined) {
  const shown = runs.slice(0, RUNS_SHOWN).map((entry) => described(entry, row.planned_zone));
  const [first] = shown;
  // In words with the offsets the rules in force give, which is what changed: the local times alone read alike or an hour apart unexplained.
  const local = (at: Date) => `${localWithOffset(at, row.planned_zone)} in ${row.planned_zone}`;
  const firstRun = first
    ? `run ${first.number} is stored at ${first.storedAt} (${local(runs[0].run.start)})${runs[0].ruleRun ? `, where the rule now gives ${first.ruleAt} (${local(runs[0].ruleRun.start)})` : ', where the rule now gives no run'}`
    : `its start, planned at ${row.planned_local_start} local, now falls elsewhere`;
  const reason =
    `window ${row.id} (${row.title}, ${row.owner_team}) ${row.recurrence ? 'recurs' : 'runs'} in ${row.planned_zone}: ${runs.length} of its runs to come ${runs.length === 1 ? 'is' : 'are'} no longer where its rule puts them by the time zone rules in force (${firstRun}), ` +
    `and its runs to come do not pair with the rule's (a run the rule no longer gives within 3 hours of it, or a rule run between two stored ones with none stored for it), so none was moved. To plan them again by its rule, the runs so far kept, PATCH its startsAt and endsAt to its next run as the rule now gives it` +
    (next ? ` (${next.start.toISOString()} to ${next.end.toISOString()})` : '') +
    `; where that is its startsAt already, cancel it and plan it again.`;
  return { runs: runs.length, shown, replanFrom: next ? { startsAt: next.start.toISOString(), endsAt: next.end.toISOString() } : null, reason };
}
