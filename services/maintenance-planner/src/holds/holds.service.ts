import { causedBy, createEvent, type CreateEventOptions, type HoldfastEvent, type HoldSource, type SurgeEvidence } from '@holdfast/contracts';
import { answeredAtCommit, prepared } from '@holdfast/database';
import { MetricsRegistry } from '@holdfast/observability';
import { RegionCatalog } from '@holdfast/regions';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { TimeError } from '@holdfast/time';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { PlannerSettings } from '../config/planner-settings';
import { SlotProposer } from '../slots/slot-proposer';
import { heldByActiveHold, type OccurrenceRow, WINDOW_COLUMNS, type WindowRow } from '../windows/window-record';
import { type AutomaticMove, HOLD_EVENT_WINDOW_IDS, HOLD_EVENT_WINDOW_LIMIT, HoldAnnouncer, heldItsRun, type TouchedOccurrence } from './hold-announcer';
import type { SurgeClearance } from './surge-clearances';
import { auditOccurrences, auditPlacedLinks, WindowAnnouncementBacklog, WINDOWS_PER_ANNOUNCEMENT } from './window-announcement-backlog';
import { fanOutHold, fanOutPlacedHold, type FanOutRequest, fanOutWouldLink, keepRelinked, type LinkInForce, lockRunsBegun, refreshWindowStatus, rowsOf } from './hold-fanout.sql';
import { countedLink, endOfHeld, HOLD_COLUMNS, heldThrough, holdNotFound, heldUntil, knownEnd, LOCK_HOLD_SET_TO_PLACE, LOCK_HOLD_SET_TO_RELEASE, releasedAfterClearance, stopsRunsUntilSql, surgeHoldReason, type HoldRow, type LostSignal } from './hold-record';
import type { HoldOverride } from './hold-view.schema';
import { knownRegionCodes } from '../regions/known-regions';

export interface HoldPlacement {
  source: HoldSource;
  causeId: string;
  regions: string[];
  reason: string;
  from: Date;
  until: Date | null;
  placedBy?: string;
  severity?: HoldRow['severity'];
  evidence?: SurgeEvidence;
  /** The evidence of the surge.started that places it, kept as it came while `evidence` follows the surge's updates. */
  startEvidence?: SurgeEvidence;
  /** A lost signal's surge, which carries no evidence: the series gone silent and since when. */
  signalLoss?: LostSignal;
  surgeReason?: string;
  /** The event that caused it: the new events continue its correlation chain. */
  cause?: HoldfastEvent;
}

/**
 * The sweep's repair: links in force whose hold is not (released without letting go, or no such
 * hold) are released. Released links are kept, so the links in force are never found by scanning
 * every link: the holds the links name are walked on hold_occurrence_hold, one step per hold (which
 * also finds a hold with no row), those not in force kept, and each one's links in force read as
 * one range of that index (hold_id, released_at). Its cost follows the number of holds.
 */
export const REPAIR_DANGLING_LINKS = `
  WITH RECURSIVE linked(hold_id) AS (
       (SELECT hold_id FROM hold_occurrence ORDER BY hold_id LIMIT 1)
       UNION ALL
       SELECT (SELECT h.hold_id FROM hold_occurrence h WHERE h.hold_id > linked.hold_id ORDER BY h.hold_id LIMIT 1) FROM linked WHERE linked.hold_id IS NOT NULL)
     UPDATE hold_occurrence h SET released_at = $1
      WHERE h.released_at IS NULL
        AND h.hold_id = ANY (ARRAY(SELECT linked.hold_id FROM linked
                                    WHERE linked.hold_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hold WHERE hold.id = linked.hold_id AND hold.released_at IS NULL)))
     RETURNING h.window_id, h.number, h.kind, h.in_progress, h.overridden_by IS NOT NULL AS overridden`;

/**
 * A release's lock order: the hold set's release key (LOCK_HOLD_SET_TO_RELEASE), its hold's row, then the windows the hold
 * links (links in force, any kind), then its debt, links, runs and outbox keys. A window's own transactions (an override, a
 * change, a cancel, a start) lock the window's row first and never a hold's row, so the two meet at the window, the one
 * waiting there holding only its hold's row and the hold set's keys (which a window's transaction takes before its window
 * or not at all): no cycle. A window's transaction that links runs to holds (a plan, a change, an override, the horizon
 * step) waits for the release at the hold set's lock, so no window gets a link to the hold after this lock has read them
 * (one did, and an override of it revived the link the release let go; an override linked a run waiting for a new slot).
 * Before, an override waiting on a link the release let go revived it at the release's commit and told the window
 * released a second time, and a release refreshing a window's status while a window's transaction waited on its links
 * deadlocked. KEY SHARE, the weakest lock: status refreshes (another release, the sweep's repair, missed runs) do not
 * wait on it, and placements, extensions and the horizon step lock no window.
 */
const LOCK_LINKED_WINDOWS = prepared(`SELECT count(*)::int AS windows FROM (
    SELECT w.id FROM maintenance_window w WHERE w.id IN (SELECT l.window_id FROM hold_occurrence l WHERE l.hold_id = $1 AND l.released_at IS NULL)
     ORDER BY w.id FOR KEY SHARE OF w) AS locked`);

/**
 * The trail's actor for what a hold's cause did: the surge, by its id (a hold the analyzer caused, whatever raised the surge:
 * the detector, an alert or a declaration, which the hold's source says), or the manual request. Before 2026-12-07 it was
 * `<source>:<id>`, which read a declaration's hold as naming a declaration by its surge's id.
 */
const causeActor = (source: string, causeId: string): string => `${source === 'manual' ? 'manual' : 'surge'}:${causeId}`;

type Audit = { subjectType: 'hold' | 'window' | 'occurrence'; subjectId: string; action: string; actor: string; causeEventId?: string | null; details?: Record<string, unknown> };

/** Holds: placed from surges or by hand, fanned out to occurrences in one transaction, released after a cool-down. */
const SURGE_GAUGE_DELAY_MS = 2_000;

@Injectable()
export class HoldsService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(HoldsService.name);
  /** The refresh refreshGaugesSoon started, while it runs; `gaugesStale`: a change came after it began reading. */
  private gaugeRefresh: Promise<void> | null = null;
  private gaugesStale = false;
  /** The refresh a surge's hold asked for, until it starts: the surges of a burst share it. */
  private gaugeTimer: NodeJS.Timeout | null = null;
  private readonly fanOutSeconds;
  private readonly activeHolds;
  private readonly heldOccurrences;
  private readonly announcementsOwed;
  private readonly repaired;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly announcer: HoldAnnouncer,
    private readonly backlog: WindowAnnouncementBacklog,
    private readonly proposer: SlotProposer,
    private readonly catalog: RegionCatalog,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
    metrics: MetricsRegistry,
  ) {
    this.fanOutSeconds = metrics.histogram('holdfast_hold_fanout_seconds', 'Time to fan one hold out to the occurrences it holds', ['trigger']);
    this.activeHolds = metrics.gauge('holdfast_active_holds', 'Holds in force, by region and source', ['region', 'source']);
    this.heldOccurrences = metrics.gauge('holdfast_held_occurrences', 'Occurrences held right now');
    this.announcementsOwed = metrics.gauge(
      'holdfast_hold_announcements_owed_seconds',
      `How long the oldest hold over more than ${WINDOWS_PER_ANNOUNCEMENT} windows has owed window.held or window.released events to the owners of its windows (0: none owes any), as of the last sweep`,
    );
    this.repaired = metrics.counter('holdfast_hold_repairs_total', 'Occurrences found held by a hold that no longer holds them, and repaired');
  }

  private get settings(): PlannerSettings {
    return this.config.settings;
  }

  /**
   * Places a hold unless one exists for the same (source, cause); returns it, or null when it already
   * existed. Two round trips: the hold, its fan-out (answering with counts, not its links) and the
   * read of the windows hold.placed lists, issued together (each statement sees the one before; a
   * hold that existed already links and reads nothing); then
   * its audit rows and events. A hold over more than WINDOWS_PER_ANNOUNCEMENT windows commits with
   * hold.placed alone and owes its window.held events (WindowAnnouncementBacklog), so the gate holds those
   * windows as soon as the hold is placed, however many there are.
   */
  async place(tx: EntityManager, placement: HoldPlacement): Promise<HoldRow | null> {
    const now = this.clock.now();
    const regions = this.knownRegions(placement.regions);
    const coveredUntil = this.coverage({ source: placement.source, from_at: placement.from, until_at: placement.until, release_due_at: null }, now);
    const holdId = uuidv7();
    const placedEventId = uuidv7();
    // A hold placed by hand starts a chain of its own (its hold.placed's), which its window events and its release join.
    const chain = placement.cause ? causedBy(placement.cause) : { correlationId: placedEventId };
    const [, [hold], , linked, windows] = await Promise.all([
      // Queued first on the connection, so it is held before the hold is written: no extra round trip to wait for.
      tx.query(LOCK_HOLD_SET_TO_PLACE),
      tx.query(
        prepared(`INSERT INTO hold (id, regions, reason, source, cause_id, placed_at, placed_by, from_at, until_at, severity, cause_event_id, correlation_id, placed_event_id, evidence, surge_reason, covered_until, start_evidence, signal_loss)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
         ON CONFLICT (source, cause_id) DO NOTHING RETURNING ${HOLD_COLUMNS}`),
        [
          holdId,
          regions,
          placement.reason,
          placement.source,
          placement.causeId,
          now,
          placement.placedBy ?? null,
          placement.from,
          placement.until,
          placement.severity ?? null,
          placement.cause?.id ?? null,
          chain.correlationId,
          placedEventId,
          placement.evidence ?? null,
          placement.surgeReason ?? null,
          coveredUntil,
          placement.startEvidence ?? null,
          placement.signalLoss ?? null,
        ],
      ) as Promise<HoldRow[]>,
      // Queued before the fan-out, in the same round trip: the runs begun a release under way may be giving a new slot.
      lockRunsBegun(tx, { holdId, regions, from: placement.from, until: coveredUntil, now }),
      this.timed('placed', () => fanOutPlacedHold(tx, { holdId, regions, from: placement.from, until: coveredUntil, now, fresh: true, ifPlaced: true }, HOLD_EVENT_WINDOW_IDS)),
      this.announcer.readPlaced(tx, holdId),
    ]);
    if (!hold) return null;
    const announcedNow = linked.heldWindows <= WINDOWS_PER_ANNOUNCEMENT;
    const placed = createEvent(
      'hold.placed',
      {
        holdId: hold.id,
        regions,
        reason: hold.reason,
        source: hold.source,
        causeId: hold.cause_id,
        placedAt: now.toISOString(),
        ...(hold.placed_by ? { placedBy: hold.placed_by } : {}),
        from: hold.from_at.toISOString(),
        until: hold.until_at?.toISOString() ?? null,
        windowIds: linked.heldWindowIds,
        ...(hold.severity ? { severity: hold.severity } : {}),
        ...this.announcer.holdWindows(windows, regions, linked.windows),
        occurrenceCount: linked.heldOccurrences,
        notifyOnlyWindowIds: linked.notifyOnlyWindowIds,
        periodLocalTimes: this.announcer.periodLocalTimes(hold),
      },
      { ...this.eventOptions(regions[0]), ...chain, id: placedEventId },
    );
    const events = [placed, ...(announcedNow ? this.announcer.windowHeldEvents(hold, windows, this.eventOptions(regions[0], placed)) : [])];
    // Independent statements issued together share a round trip (the connection pipelines them).
    await Promise.all([
      this.audit(tx, {
        subjectType: 'hold',
        subjectId: hold.id,
        action: 'placed',
        actor: placement.placedBy ?? causeActor(placement.source, placement.causeId),
        causeEventId: placement.cause?.id,
        details: { regions, reason: hold.reason, from: hold.from_at, until: hold.until_at, occurrences: linked.occurrences },
      }),
      this.announcer.publish(tx, events),
      announcedNow
        ? auditPlacedLinks(tx, hold.id, { actor: `hold:${hold.id}`, at: now, causeEventId: placement.cause?.id })
        : this.backlog.owe(tx, hold, 'held', causedBy(placed)),
    ]);
    return hold;
  }

  /**
   * A surge.updated: the hold takes the surge's end, severity, evidence and reason (`surgeReason`), and the new period is fanned
   * out, the windows it newly holds told window.held. hold.placed (extended) re-announces the hold only when its end moved or its
   * severity rose, what its owners may act on: an alert firing again as it was, or at a lower severity, tells them nothing new. A hold
   * released since it was read is left as it is.
   */
  async extend(
    tx: EntityManager,
    hold: HoldRow,
    until: Date | null,
    update: { severity?: HoldRow['severity']; evidence?: SurgeEvidence; surgeReason?: string; cause: HoldfastEvent },
  ): Promise<void> {
    const now = this.clock.now();
    const coveredUntil = this.coverage({ ...hold, until_at: until }, now);
    const reason = update.surgeReason === undefined ? null : surgeHoldReason(hold.regions[0], update.surgeReason);
    await tx.query(LOCK_HOLD_SET_TO_PLACE);
    const [row] = rowsOf<HoldRow>(
      await tx.query(
        `UPDATE hold SET until_at = $2, covered_until = GREATEST(covered_until, $3), severity = COALESCE($4, severity), evidence = COALESCE($5, evidence),
            reason = COALESCE($6, reason), surge_reason = COALESCE($7, surge_reason)
          WHERE id = $1 AND released_at IS NULL RETURNING ${HOLD_COLUMNS}`,
        [hold.id, until, coveredUntil, update.severity ?? null, update.evidence ?? null, reason, update.surgeReason ?? null],
      ),
    );
    if (!row) return;
    const touched = await this.timedFanOut('extended', tx, { holdId: row.id, regions: row.regions, from: row.from_at, until: coveredUntil, now });
    // An alert firing again as it was moves nothing: the trail, which people read for what changed, is not told it was extended.
    const moved = movedBy(hold, row);
    if (moved) {
      await this.audit(tx, { subjectType: 'hold', subjectId: hold.id, action: 'extended', actor: causeActor(hold.source, hold.cause_id), causeEventId: update.cause.id, details: { until, moved } });
    }
    await auditOccurrences(tx, row.id, touched, { action: 'held', actor: `hold:${row.id}`, at: now, causeEventId: update.cause.id });
    const windows = await this.announcer.load(tx, touched);
    if (row.until_at?.getTime() === hold.until_at?.getTime() && !severityRose(hold.severity, row.severity)) {
      await this.announcer.publish(tx, this.announcer.windowHeldEvents(row, windows, this.eventOptions(row.regions[0], update.cause)));
      return;
    }
    const extended = createEvent(
      'hold.placed',
      {
        holdId: row.id,
        regions: row.regions,
        reason: row.reason,
        source: row.source,
        causeId: row.cause_id,
        placedAt: row.placed_at.toISOString(),
        from: row.from_at.toISOString(),
        until: row.until_at?.toISOString() ?? null,
        windowIds: heldWindowIds(touched).slice(0, HOLD_EVENT_WINDOW_IDS),
        extended: true,
        ...(row.severity ? { severity: row.severity } : {}),
        ...this.announcer.holdWindows(windows, row.regions),
        occurrenceCount: touched.filter((entry) => entry.kind === 'held').length,
        // Those the extension newly flagged, as windowIds names those it newly held.
        notifyOnlyWindowIds: notifyOnlyWindowIds(touched).slice(0, HOLD_EVENT_WINDOW_IDS),
        periodLocalTimes: this.announcer.periodLocalTimes(row),
        asOf: now.toISOString(),
      },
      this.eventOptions(row.regions[0], update.cause),
    );
    await this.announcer.publish(tx, [extended, ...this.announcer.windowHeldEvents(row, windows, this.eventOptions(row.regions[0], extended))]);
  }

  /**
   * The surge cleared: the hold is released once the cool-down has passed (the sweep does it then),
   * and is in force until then (heldUntil), also past an expected end the cool-down outlasts: the
   * runs it reaches only in the cool-down are held now, as the gate holds them, so its release gives
   * them a new slot rather than leaving them to be missed.
   */
  async scheduleRelease(tx: EntityManager, hold: HoldRow, { clearedAt, reason, eventId }: SurgeClearance): Promise<void> {
    const now = this.clock.now();
    const due = new Date(clearedAt.getTime() + this.settings.holdCooldownMs);
    await tx.query(LOCK_HOLD_SET_TO_PLACE);
    const [cooling] = rowsOf<HoldRow>(
      // Recorded now: the runs it lets go (those starting at or after the due release) read scheduled from now on, and calendars date that turn by it.
      await tx.query(
        `UPDATE hold SET cleared_at = $2, release_due_at = $3, clearance_recorded_at = $4, cleared_event_id = $5, cleared_reason = $6 WHERE id = $1 AND released_at IS NULL RETURNING ${HOLD_COLUMNS}`,
        [hold.id, clearedAt, due, now, eventId, reason],
      ),
    );
    if (!cooling) return;
    await this.audit(tx, { subjectType: 'hold', subjectId: hold.id, action: 'cleared', actor: causeActor(hold.source, hold.cause_id), causeEventId: eventId, details: { clearedAt, releaseDueAt: due, reason } });
    if (due.getTime() <= now.getTime()) {
      // Learned only now: the gate held its runs until now, not until the due time already passed.
      await this.release(tx, cooling, undefined, releasedAfterClearance(cooling), now);
      return;
    }
    const touched = await this.timedFanOut('cleared', tx, { holdId: cooling.id, regions: cooling.regions, from: cooling.from_at, until: due, now });
    if (touched.length === 0) return;
    await auditOccurrences(tx, cooling.id, touched, { action: 'held', actor: `hold:${cooling.id}`, at: now, causeEventId: eventId });
    const windows = await this.announcer.load(tx, touched);
    await this.announcer.publish(tx, this.announcer.windowHeldEvents(cooling, windows, this.holdChain(cooling, eventId)));
  }

  /**
   * Ends a hold. Each occurrence it held and no other hold still holds goes back to scheduled if it
   * is still ahead, or needs a new slot (with a proposal, or moved there on the owner's standing
   * permission) if its time passed or began during the hold. A hold over more than
   * WINDOWS_PER_ANNOUNCEMENT windows commits with hold.released (and any window.rescheduled) alone and
   * owes its window.released events, so its end holds back no other hold's transaction.
   */
  /**
   * Releases the hold; false when it was released already (by the sweep or another request meanwhile), changing nothing.
   * `actor`: who released it by hand; none when the planner did (a surge cleared, a manual hold's period ended).
   * `endedAt`: when the hold stopped holding runs (endOfHeld), for a clearance learned only after its cool-down would have passed, now.
   * Its events continue the hold's chain: caused by the surge.cleared the planner released it after, else by its hold.placed.
   */
  async release(tx: EntityManager, hold: HoldRow, actor: string | undefined, reason: string, endedAt?: Date): Promise<boolean> {
    const now = this.clock.now();
    const clearance = actor ? null : hold.cleared_event_id;
    const [, updated] = await Promise.all([
      // Queued first on the connection, so it is held before the hold's row: no extra round trip to wait for.
      tx.query(LOCK_HOLD_SET_TO_RELEASE),
      tx.query(`UPDATE hold SET released_at = $2, released_by = $3, release_reason = $4 WHERE id = $1 AND released_at IS NULL RETURNING id`, [hold.id, now, actor ?? null, reason]),
    ]);
    if (rowsOf(updated).length === 0) return false;
    await tx.query(LOCK_LINKED_WINDOWS, [hold.id]);
    // Announced as held before they are announced as released.
    const owed = await this.backlog.settle(tx, hold);
    const links = rowsOf<TouchedOccurrence & { overridden: boolean }>(
      await tx.query(
        `UPDATE hold_occurrence SET released_at = $2 WHERE hold_id = $1 AND released_at IS NULL RETURNING window_id, number, kind, in_progress, overridden_by IS NOT NULL AS overridden`,
        [hold.id, now],
      ),
    );
    const touched = links.map(({ overridden: _, ...entry }) => entry);
    // Written before the runs are settled, so each run is named as the hold held it, not where an automatic move takes it;
    // with the release's reason, as the hold's own entry has it.
    await auditOccurrences(tx, hold.id, touched, { action: 'released', actor: actor ?? `hold:${hold.id}`, at: now, causeEventId: clearance, reason });
    // An occurrence let through this hold was not held by it: its release changes nothing for it.
    const heldTo = endedAt ?? endOfHeld(hold, now);
    const settled = await this.settleReleased(tx, links.filter((entry) => !entry.overridden), now, heldTo, { holdId: hold.id, causeEventId: clearance });
    await this.audit(tx, { subjectType: 'hold', subjectId: hold.id, action: 'released', actor: actor ?? 'planner', causeEventId: clearance, details: { reason, occurrences: touched.length } });
    const heldIds = heldWindowIds(touched);
    const announcedNow = heldIds.length <= WINDOWS_PER_ANNOUNCEMENT;
    const windows = await this.announcer.load(tx, announcedNow ? touched : listableAfterRelease(touched, heldIds, settled.moves));
    const released = createEvent(
      'hold.released',
      {
        holdId: hold.id,
        regions: hold.regions,
        releasedAt: now.toISOString(),
        ...(actor ? { releasedBy: actor } : {}),
        reason,
        windowIds: heldIds.slice(0, HOLD_EVENT_WINDOW_IDS),
        ...this.announcer.holdWindows(windows, hold.regions, windowCountOf(touched)),
        occurrenceCount: touched.filter((entry) => entry.kind === 'held').length,
        notifyOnlyWindowIds: notifyOnlyWindowIds(touched).slice(0, HOLD_EVENT_WINDOW_IDS),
        // Until it stopped holding runs: a sweep that releases it after its cool-down's end did not hold them meanwhile.
        periodLocalTimes: this.announcer.releasedPeriodLocalTimes(hold, heldTo),
        asOf: now.toISOString(),
      },
      this.holdChain(hold, clearance ?? hold.placed_event_id),
    );
    const events: HoldfastEvent[] = [...owed, released];
    const options = this.eventOptions(hold.regions[0], released);
    const windowsReleased = this.announcer.releasedAnnouncement({ ...hold, release_reason: reason }, options);
    // A window every run of which was let through this hold is told no window.released here: planned into it with an
    // override, it was never held by it; told window.held, it was told released by the override that let its last held run
    // through (releasedByOverride). hold.released still names it: the notifier counts on a window.released for each it names.
    const heldHere = new Set(links.filter((entry) => entry.kind === 'held' && !entry.overridden).map((entry) => entry.window_id));
    for (const window of windows) {
      const windowReleased = announcedNow && heldHere.has(window.row.id) ? this.announcer.announced(windowsReleased, window) : null;
      if (windowReleased) events.push(windowReleased);
      for (const move of settled.moves.filter((entry) => entry.windowId === window.row.id)) {
        events.push(this.announcer.windowRescheduledEvent(window.row, move, hold.regions, `Moved automatically after hold ${hold.id} was released: the owner allowed automatic moves`, options));
      }
    }
    await Promise.all([this.announcer.publish(tx, events), announcedNow ? undefined : this.backlog.owe(tx, hold, 'released', causedBy(released))]);
    return true;
  }

  /**
   * In an override's transaction, before it lets `windowId`'s runs through `hold`: whether the hold has not told the window
   * held yet (a placement over more than WINDOWS_PER_ANNOUNCEMENT windows still being announced). Such a window, let through,
   * is told neither held nor released.
   */
  heldStillOwed(tx: EntityManager, hold: HoldRow, windowId: string): Promise<boolean> {
    return this.backlog.heldStillOwed(tx, hold, windowId);
  }

  /**
   * The window.released of `hold` for a window an override has just let through the last run the hold held (`heldBefore`:
   * the runs it held until then), caused by the override's hold.overridden: the window as it reads now (scheduled, needing
   * a new slot, or held by another hold), the runs the hold held, and who let them through and why (letThroughReason).
   * Told now, not at the hold's release hours later, when the run has likely started or completed; the release tells it
   * nothing more.
   */
  async releasedByOverride(tx: EntityManager, hold: HoldRow, windowId: string, heldBefore: readonly number[], overridden: HoldfastEvent): Promise<HoldfastEvent | null> {
    // The runs the hold held, let through by this override or an earlier one; a run held until this override is named
    // even if it is let through at the instant the hold was placed, where heldItsRun cannot tell.
    const held = rowsOf<TouchedOccurrence>(
      await tx.query(
        `SELECT l.window_id, l.number, l.kind, l.in_progress, l.overridden_by, l.override_reason FROM hold_occurrence l
          WHERE l.hold_id = $1 AND l.window_id = $2 AND l.kind = 'held' AND l.released_at IS NULL AND (${heldItsRun('l')} OR l.number = ANY($3::int[]))`,
        [hold.id, windowId, heldBefore],
      ),
    );
    const [window] = await this.announcer.load(tx, held);
    return window ? this.announcer.announced(this.announcer.releasedAnnouncement(hold, this.eventOptions(hold.regions[0], overridden)), window) : null;
  }

  /**
   * Occurrences a release, a repair or a change to their window let go of (links of kind held, not
   * overridden, just released). One still ahead and held by no other hold is scheduled again with
   * nothing written (held is read from the links); one whose time began while it was held, before
   * `endedAt` (the hold's end: the release a cleared surge's cool-down was due at, else `now`),
   * needs (or is given) a new slot. One that began after that end was never stopped by the hold
   * (the gate let it through): it stays scheduled, to start or be missed as any run. Each run given
   * a new slot or moved is on the audit trail, with the hold that let go of it (`trail`) when there is one.
   */
  async settleReleased(tx: EntityManager, touched: readonly TouchedOccurrence[], now: Date, endedAt = now, trail: { holdId?: string; causeEventId?: string | null } = {}) {
    const held = touched.filter((entry) => entry.kind === 'held');
    const moves: AutomaticMove[] = [];
    if (held.length === 0) return { moves };
    const pairs = [held.map((entry) => entry.window_id), held.map((entry) => entry.number)];
    // Locked in key order before they are read as held or not, as a fan-out under way locks them (lockRunsBegun): a hold placed
    // or extended over them meanwhile commits first, and the statement below sees that it holds them still.
    await tx.query(
      `SELECT 1 FROM occurrence o JOIN unnest($1::uuid[], $2::int[]) AS t(window_id, number) ON o.window_id = t.window_id AND o.number = t.number
        WHERE o.status = 'scheduled' AND o.starts_at <= $3 AND o.starts_at < $4 ORDER BY o.window_id, o.number FOR NO KEY UPDATE OF o`,
      [...pairs, now, endedAt],
    );
    const lateRows = rowsOf<OccurrenceRow>(
      await tx.query(
        `UPDATE occurrence o SET status = 'needs-reschedule' FROM unnest($1::uuid[], $2::int[]) AS t(window_id, number)
          WHERE o.window_id = t.window_id AND o.number = t.number AND o.status = 'scheduled' AND o.starts_at <= $3 AND o.starts_at < $4 AND NOT ${heldByActiveHold('o')}
          RETURNING o.*`,
        [...pairs, now, endedAt],
      ),
    );
    if (lateRows.length > 0) {
      const windows = (await tx.query(`SELECT ${WINDOW_COLUMNS} FROM maintenance_window WHERE id = ANY($1::uuid[])`, [[...new Set(lateRows.map((row) => row.window_id))]])) as WindowRow[];
      const byId = new Map(windows.map((row) => [row.id, row]));
      const { holdId, causeEventId } = trail;
      for (const occurrence of lateRows) {
        const window = byId.get(occurrence.window_id)!;
        const slot = await this.proposal(tx, window, occurrence, now);
        const settled = { subjectType: 'occurrence' as const, subjectId: window.id, actor: 'planner', causeEventId };
        if (slot && window.flexibility?.autoMove) {
          const [moved] = rowsOf<OccurrenceRow>(
            await tx.query(`UPDATE occurrence SET starts_at = $3, ends_at = $4, status = 'scheduled', proposed_slot = NULL WHERE window_id = $1 AND number = $2 RETURNING *`, [
              occurrence.window_id,
              occurrence.number,
              slot.startsAt,
              slot.endsAt,
            ]),
          );
          const previous = { startsAt: occurrence.starts_at.toISOString(), endsAt: occurrence.ends_at.toISOString() };
          moves.push({ windowId: window.id, previous, slot, occurrence: moved });
          await this.audit(tx, { ...settled, action: 'rescheduled', details: { number: occurrence.number, holdId, automatic: true, previous, startsAt: slot.startsAt, endsAt: slot.endsAt } });
        } else {
          if (slot) await tx.query('UPDATE occurrence SET proposed_slot = $3 WHERE window_id = $1 AND number = $2', [occurrence.window_id, occurrence.number, slot]);
          await this.audit(tx, { ...settled, action: 'needs-reschedule', details: { number: occurrence.number, holdId, proposedSlot: slot } });
        }
      }
    }
    await refreshWindowStatus(tx, [...new Set(held.map((entry) => entry.window_id))]);
    return { moves };
  }

  private async proposal(tx: EntityManager, window: WindowRow, occurrence: OccurrenceRow, now: Date) {
    try {
      const proposal = await this.proposer.propose(tx, window, { start: occurrence.starts_at, end: occurrence.ends_at }, now, 1);
      return proposal.slots[0] ?? null;
    } catch (error) {
      if (error instanceof TimeError) {
        this.logger.warn({ windowId: window.id, err: error.message }, 'no slot could be proposed');
        return null;
      }
      throw error;
    }
  }

  /** The sweep's part: what a stopped process left unannounced, before anything else is said about those holds. */
  async announceOwed(): Promise<number> {
    return this.backlog.drainAll();
  }

  /**
   * The sweep's part: releases the holds whose cool-down or held period ended, each in its own
   * transaction; resolves with how many this replica released (a hold another replica or a request
   * released first is not counted). One that fails is left for the next sweep and stops no other:
   * the step then fails naming them, after the others were released.
   */
  async releaseDue(): Promise<number> {
    const now = this.clock.now();
    // At its end known ahead (stopsRunsUntilSql), where the gate let its runs go: a surge's hold once the surge clears and the
    // cool-down passes (DESIGN.md), never at its expected end, which is an estimate; a manual one at its until; a declaration's at
    // its until and the cool-down after it, its clearance come or not: with the analyzer down, it held a run past its start
    // unmarked, with no slot proposed, until the clearance came. A clearance coming after finds it released and does nothing.
    const due = (await this.dataSource.query(
      `SELECT ${HOLD_COLUMNS} FROM hold WHERE released_at IS NULL AND ${stopsRunsUntilSql('hold', '$2::bigint')} <= $1 ORDER BY placed_at`,
      [now, this.settings.holdCooldownMs],
    )) as HoldRow[];
    let released = 0;
    const failed: { holdId: string; error: unknown }[] = [];
    for (const hold of due) {
      const { reason, endedAt } = this.dueRelease(hold, now);
      try {
        if (await this.dataSource.transaction((tx) => this.release(tx, hold, undefined, reason, endedAt))) released++;
      } catch (error) {
        failed.push({ holdId: hold.id, error });
      }
    }
    if (failed.length > 0) {
      throw new AggregateError(
        failed.map((entry) => entry.error),
        `${failed.length} of ${due.length} holds due for release could not be released (${failed.map((entry) => entry.holdId).join(', ')}); ${released} were. The next sweep tries them again.`,
      );
    }
    return released;
  }

  /**
   * Why a hold releaseDue found due is released, and where it stopped holding runs (endOfHeld): a declaration's with no clearance
   * come at its until and the cool-down, as if its clearance had come at its until, which the analyzer's clock puts there.
   */
  private dueRelease(hold: HoldRow, now: Date): { reason: string; endedAt?: Date } {
    if (hold.release_due_at && hold.release_due_at <= now) return { reason: releasedAfterClearance(hold) };
    if (hold.source === 'declaration') return { reason: releasedAfterClearance({ ...hold, cleared_at: hold.until_at }), endedAt: knownEnd(hold, this.settings.holdCooldownMs)! };
    return { reason: 'The held period ended' };
  }

  /**
   * The sweep's part: a surge's expected end passed and the surge goes on, so its hold becomes
   * open-ended: the horizon step holds the runs after that end, and the gate and new windows meet it
   * as in force. Resolves with how many. A declaration's until is the end declared, not an estimate:
   * the analyzer's clock clears its surge there, its surge.cleared arriving a job tick later (5 s by
   * default), so its hold is left to end there; made open-ended, it held the windows after the
   * period and its cool-down until that clearance came, and kept until null for good. No grace is
   * given to an estimate: a detector's surge clears on calm samples, not at its estimate, so past it
   * the surge goes on and the runs after it are held at once.
   */
  async openOutlasted(): Promise<number> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (tx) => {
      // Each with the expected end it outlasted, which the trail says it moved from.
      const outlasted = rowsOf<{ id: string; expected_end: Date }>(
        await tx.query(
          `WITH outlasted AS (SELECT id, until_at FROM hold WHERE released_at IS NULL AND source NOT IN ('manual', 'declaration') AND cleared_at IS NULL AND until_at <= $1 FOR UPDATE)
           UPDATE hold SET until_at = NULL FROM outlasted WHERE hold.id = outlasted.id RETURNING hold.id, outlasted.until_at AS expected_end`,
          [now],
        ),
      );
      for (const hold of outlasted) {
        await this.audit(tx, {
          subjectType: 'hold',
          subjectId: hold.id,
          action: 'extended',
          actor: 'planner',
          details: { until: null, moved: { until: { from: hold.expected_end, to: null } }, why: 'the surge outlasted its expected end' },
        });
      }
      return outlasted.length;
    });
  }

  /**
   * The sweep's part: each open-ended hold holds the runs up to HOLD_HORIZON_HOURS ahead. Only what
   * came into that reach since the last sweep is linked, announced and audited; a hold with nothing
   * new to link writes nothing (its covered_until stays too: heldThrough reads the horizon from
   * now), so a quiet system's sweep changes no row and publishes nothing. Resolves with the holds
   * that linked runs.
   */
  async extendOpenEnded(): Promise<number> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + this.settings.holdHorizonMs);
    let extended = 0;
    // A cleared hold ends when its release is due, however far it was open-ended before: nothing later to hold.
    const open = (await this.dataSource.query(`SELECT ${HOLD_COLUMNS} FROM hold WHERE released_at IS NULL AND until_at IS NULL AND release_due_at IS NULL AND covered_until < $1`, [horizon])) as HoldRow[];
    for (const hold of open) {
      const request = { holdId: hold.id, regions: hold.regions, from: hold.from_at, until: horizon, now };
      // Read first, without the hold set's lock: nothing new means nothing to write. A window planned or
      // expanded after this read links itself to the hold (holdWindow), so skipping misses none.
      if (!(await fanOutWouldLink(this.dataSource, request))) continue;
      const linked = await this.dataSource.transaction(async (tx) => {
        await tx.query(LOCK_HOLD_SET_TO_PLACE);
        // Released since it was read (a request, another replica): its links stay let go. The row lock orders this against a release under way.
        const [current] = rowsOf(await tx.query('UPDATE hold SET covered_until = GREATEST(covered_until, $2) WHERE id = $1 AND released_at IS NULL RETURNING id', [hold.id, horizon]));
        if (!current) return false;
        const touched = await this.timedFanOut('horizon', tx, request);
        await auditOccurrences(tx, hold.id, touched, { action: 'held', actor: `hold:${hold.id}`, at: now });
        const windows = await this.announcer.load(tx, touched);
        await this.announcer.publish(tx, this.announcer.windowHeldEvents(hold, windows, this.holdChain(hold, hold.placed_event_id)));
        return touched.length > 0;
      });
      if (linked) extended++;
    }
    return extended;
  }

  /**
   * Occurrences held by a hold that no longer holds them (a hold released without letting go, or a
   * link naming a hold that does not exist): the links are released, the occurrences settled and reported.
   */
  async repair(now = this.clock.now()): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const dangling = rowsOf<TouchedOccurrence & { overridden: boolean }>(
        await tx.query(REPAIR_DANGLING_LINKS, [now]),
      );
      const held = dangling.filter((entry) => entry.kind === 'held' && !entry.overridden);
      // An occurrence left linked by two such holds is repaired, and counted, once.
      const touched = [...new Map(held.map(({ overridden: _, ...entry }) => [`${entry.window_id}/${entry.number}`, entry])).values()];
      if (touched.length === 0) return 0;
      await this.settleReleased(tx, touched, now);
      for (const entry of touched) {
        await this.audit(tx, { subjectType: 'occurrence', subjectId: entry.window_id, action: 'repaired', actor: 'planner', details: { number: entry.number, why: 'held by a hold that no longer exists' } });
      }
      this.logger.warn({ occurrences: touched.length }, 'repaired occurrences held by a hold that no longer holds them');
      this.repaired.inc(touched.length);
      return touched.length;
    });
  }

  /**
   * Fans every active hold out over one window's occurrences (a window planned or moved under them, its runs extended by the
   * horizon step). `before`: the links in force before a change to the window, which let go of them to link its runs again
   * where they now fall. Resolves with the window.held of each hold that newly holds runs of it, in that hold's chain, as its
   * placement tells a window: for the caller to publish after its own event of the window. Without them the runs the horizon
   * step linked were held and gated with their owners and dashboards never told.
   */
  async holdWindow(tx: EntityManager, windowId: string, before: readonly LinkInForce[] = []): Promise<HoldfastEvent[]> {
    const now = this.clock.now();
    // Only the holds on the window's footprint: any other would link nothing (fanOutHold's footprint test), and each costs two
    // statements inside the planning transaction: with 107 holds in force, planning a window elsewhere took 0.7-2.7 s instead of 0.1-0.4.
    const holds = (await tx.query(
      `SELECT ${HOLD_COLUMNS} FROM hold WHERE released_at IS NULL
          AND EXISTS (SELECT 1 FROM maintenance_window w WHERE w.id = $1 AND (w.footprint_global OR w.footprint_regions && hold.regions))
        ORDER BY placed_at`,
      [windowId],
    )) as HoldRow[];
    const linkedBy: { hold: HoldRow; linked: TouchedOccurrence[] }[] = [];
    for (const hold of holds) {
      const until = heldThrough(hold, now, this.settings);
      const fannedOut = await fanOutHold(tx, { holdId: hold.id, regions: hold.regions, from: hold.from_at, until, now, windowId });
      // A run the hold held as it holds it now was not held anew: its link keeps the time it held since (what the hold's
      // owed window.held reads), and the trail says nothing of it.
      const kept = await keepRelinked(tx, hold.id, windowId, fannedOut.map((link) => link.number), before);
      const linked = fannedOut.filter((link) => !kept.has(link.number));
      // Held by a change to the window, not by the hold's placement: on the trail all the same, as its release will be.
      await auditOccurrences(tx, hold.id, linked, { action: 'held', actor: `hold:${hold.id}`, at: now });
      if (linked.length > 0) linkedBy.push({ hold, linked });
    }
    await refreshWindowStatus(tx, [windowId]);
    const events: HoldfastEvent[] = [];
    for (const { hold, linked } of linkedBy) {
      const windows = await this.announcer.load(tx, linked);
      events.push(...this.announcer.windowHeldEvents(hold, windows, this.holdChain(hold, hold.placed_event_id)));
    }
    return events;
  }

  /** Unreleased holds on `regions` whose held period (to heldUntil as of now) meets `range`. */
  async findActive(tx: EntityManager | DataSource, regions: readonly string[] | 'all', range: { start: Date; end: Date }): Promise<HoldRow[]> {
    const now = this.clock.now();
    // Whether one ends before the range is heldUntil's to say, not said again in SQL: the unreleased holds are few.
    const holds = (await tx.query(
      `SELECT ${HOLD_COLUMNS} FROM hold WHERE released_at IS NULL AND ($1::text[] IS NULL OR regions && $1::text[]) AND from_at < $2 ORDER BY placed_at`,
      [regions === 'all' ? null : regions, range.end],
    )) as HoldRow[];
    return holds.filter((hold) => {
      const until = heldUntil(hold, now, this.settings.holdCooldownMs);
      return until === null || until > range.start;
    });
  }

  async byCause(tx: EntityManager, causeId: string, source?: HoldSource): Promise<HoldRow | undefined> {
    const [row] = (await tx.query(`SELECT ${HOLD_COLUMNS} FROM hold WHERE cause_id = $1 AND ($2::text IS NULL OR source = $2) ORDER BY placed_at LIMIT 1`, [
      causeId,
      source ?? null,
    ])) as HoldRow[];
    return row;
  }

  async get(id: string): Promise<HoldRow> {
    const [row] = (await this.dataSource.query(`SELECT ${HOLD_COLUMNS} FROM hold WHERE id = $1`, [id])) as HoldRow[];
    if (!row) throw holdNotFound(id);
    return row;
  }

  /**
   * The runs let through this hold with an override (DESIGN.md section 5: who overrode it and why),
   * first overridden first; at most `HOLD_OVERRIDES_SHOWN`, `overrideCount` saying how many in all.
   */
  async overrides(id: string): Promise<{ overrides: HoldOverride[]; overrideCount: number }> {
    // Among the runs counts() counts, so "N held, M of them let through" never counts a run the hold no longer has.
    const rows = (await this.dataSource.query(
      `SELECT l.window_id AS "windowId", l.number AS occurrence, l.overridden_by AS "overriddenBy", l.override_reason AS reason, l.overridden_at AS "overriddenAt", count(*) OVER ()::int AS total
         FROM hold_occurrence l JOIN hold h ON h.id = l.hold_id
        WHERE l.hold_id = $1 AND l.kind = 'held' AND l.overridden_by IS NOT NULL AND ${countedLink('l', 'h')}
        ORDER BY l.overridden_at, l.window_id, l.number LIMIT $2`,
      [id, HOLD_OVERRIDES_SHOWN],
    )) as (Omit<HoldOverride, 'overriddenAt'> & { overriddenAt: Date | null; total: number })[];
    return {
      overrides: rows.map(({ total: _, overriddenAt, ...row }) => ({ ...row, overriddenAt: overriddenAt?.toISOString() ?? null })),
      overrideCount: rows[0]?.total ?? 0,
    };
  }

  /**
   * Occurrences the hold holds now, or held when it was released (countedLink); a link let go earlier (the window
   * was moved, cancelled or changed its footprint) no longer counts.
   */
  async counts(id: string): Promise<{ held: number; notifyOnly: number }> {
    const [row] = (await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE l.kind = 'held')::int AS held, count(*) FILTER (WHERE l.kind = 'notify-only')::int AS "notifyOnly"
         FROM hold_occurrence l JOIN hold h ON h.id = l.hold_id
        WHERE l.hold_id = $1 AND ${countedLink('l', 'h')}`,
      [id],
    )) as { held: number; notifyOnly: number }[];
    return row;
  }

  /** Holds newest first, from just before a page's last one when `before` names it; `active` keeps the unreleased (true) or the released (false) ones. */
  async list(filter: { active?: boolean; region?: string; limit: number; before?: { at: string; id: string } }): Promise<HoldRow[]> {
    return (await this.dataSource.query(
      `SELECT ${HOLD_COLUMNS} FROM hold WHERE ($1::boolean IS NULL OR $1 = (released_at IS NULL)) AND ($2::text IS NULL OR $2 = ANY(regions))
          AND ($4::timestamptz IS NULL OR (placed_at, id) < ($4, $5::uuid))
        ORDER BY placed_at DESC, id DESC LIMIT $3`,
      [filter.active ?? null, filter.region ?? null, filter.limit, filter.before?.at ?? null, filter.before?.id ?? null],
    )) as HoldRow[];
  }

  /**
   * Refreshes the gauges after a request's change without the request waiting for it: counting the
   * runs held reads every link in force (a million with 30 holds over 2,333 global windows: 0.3-0.4 s
   * of PostgreSQL's time). Changes that come while a refresh runs share one more after it.
   */
  refreshGaugesSoon(): void {
    this.gaugesStale = true;
    if (this.gaugeRefresh) return;
    this.gaugeRefresh = (async () => {
      while (this.gaugesStale) {
        this.gaugesStale = false;
        await this.refreshGauges();
      }
    })()
      .catch((error: unknown) => this.logger.warn(`Could not refresh the hold gauges (${error instanceof Error ? error.message : String(error)}); the next sweep does.`))
      .finally(() => (this.gaugeRefresh = null));
  }

  /** A refresh still running would read from a pool about to close. */
  /**
   * The gauges refreshed within SURGE_GAUGE_DELAY_MS of a hold a surge placed, extended or set to be
   * released, rather than at the next sweep (a minute, or never with the sweep off); later than at
   * once, so a burst of surges shares one read of every hold in force instead of one a surge.
   */
  refreshGaugesShortly(): void {
    if (this.gaugeTimer) return;
    this.gaugeTimer = setTimeout(() => {
      this.gaugeTimer = null;
      this.refreshGaugesSoon();
    }, SURGE_GAUGE_DELAY_MS);
    this.gaugeTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.gaugeTimer) clearTimeout(this.gaugeTimer);
    this.gaugeTimer = null;
    this.gaugesStale = false;
    await this.gaugeRefresh;
  }

  async refreshGauges(): Promise<void> {
    const rows = (await this.dataSource.query(
      `SELECT region, source, count(*)::int AS holds FROM hold, unnest(regions) AS region WHERE released_at IS NULL GROUP BY region, source`,
    )) as { region: string; source: string; holds: number }[];
    this.activeHolds.reset();
    for (const row of rows) this.activeHolds.set({ region: row.region, source: row.source }, row.holds);
    // Read through the active holds (the hold_id index), so the links of holds long released are not scanned. A run is
    // looked up once, not once per hold holding it (30 holds over the same 34,000 runs: a million lookups): stopsRun
    // holds for one of its links exactly when the run starts before the latest release due among them, none due being latest.
    const [held] = (await this.dataSource.query(
      `SELECT count(*)::int AS held FROM (
           SELECT h.window_id, h.number, max(COALESCE(hold.release_due_at, 'infinity')) AS stops_before FROM hold JOIN hold_occurrence h ON h.hold_id = hold.id
            WHERE hold.released_at IS NULL AND h.kind = 'held' AND h.released_at IS NULL AND h.overridden_by IS NULL
            GROUP BY h.window_id, h.number) AS linked
         JOIN occurrence o ON o.window_id = linked.window_id AND o.number = linked.number
        WHERE o.status = 'scheduled' AND o.starts_at < linked.stops_before`,
    )) as { held: number }[];
    this.heldOccurrences.set(held.held);
    this.announcementsOwed.set(await this.backlog.oldestOwedSeconds(this.clock.now()));
  }

  /**
   * How far a hold placed or moved to end at its until holds runs: to its end known ahead (knownEnd: a declaration's through
   * the cool-down its clearance at that until starts, so a window there is told held now, not at the period's end), else to
   * its until, an estimate, or with none HOLD_HORIZON_HOURS ahead (the sweep carries it further while it lasts).
   */
  private coverage(hold: Pick<HoldRow, 'source' | 'from_at' | 'until_at' | 'release_due_at'>, now: Date): Date {
    return (
      knownEnd(hold, this.settings.holdCooldownMs) ?? hold.until_at ?? new Date(Math.max(now.getTime(), hold.from_at.getTime()) + this.settings.holdHorizonMs)
    );
  }

  /** The catalog's codes for `codes` (a country's in any case), or a 422 naming each unknown one at `path`, the field or query parameter that carried it. */
  knownRegions(codes: readonly string[], path = 'regions'): string[] {
    return knownRegionCodes(this.catalog, codes, path);
  }

  /** Inside `tx`'s transaction; nothing reads the row back, so it travels with the COMMIT (answeredAtCommit). */
  async audit(tx: EntityManager, entry: Audit): Promise<void> {
    await tx.query(answeredAtCommit(`INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, cause_event_id, details) VALUES ($1, $2, $3, $4, $5, $6, $7)`), [
      entry.subjectType,
      entry.subjectId,
      entry.action,
      entry.actor,
      this.clock.now(),
      entry.causeEventId ?? null,
      entry.details ?? {},
    ]);
  }

  private timedFanOut(trigger: string, tx: EntityManager, request: FanOutRequest): Promise<TouchedOccurrence[]> {
    return this.timed(trigger, () => fanOutHold(tx, request));
  }

  private async timed<T>(trigger: string, fanOut: () => Promise<T>): Promise<T> {
    const started = process.hrtime.bigint();
    const result = await fanOut();
    this.fanOutSeconds.observe({ trigger }, Number(process.hrtime.bigint() - started) / 1e9);
    return result;
  }

  eventOptions(key: string, cause?: HoldfastEvent): CreateEventOptions {
    return { source: this.announcer.source(), subject: key, time: this.clock.now(), ...(cause ? causedBy(cause) : {}) };
  }

  /**
   * Options for an event that continues `hold`'s chain (the correlation it was placed under), caused
   * by the event `causationId` names. A hold placed by hand before its chain was kept has none: its event starts one.
   */
  private holdChain(hold: HoldRow, causationId: string | null): CreateEventOptions {
    const chain = hold.correlation_id ? { correlationId: hold.correlation_id, ...(causationId ? { causationId } : {}) } : {};
    return { ...this.eventOptions(hold.regions[0]), ...chain };
  }
}

const SEVERITY_RANK: Record<NonNullable<HoldRow['severity']>, number> = { minor: 1, major: 2, critical: 3 };

/** Whether a hold's severity rose from `before` to `after` (none is below any). */
const severityRose = (before: HoldRow['severity'], after: HoldRow['severity']): boolean => (after ? SEVERITY_RANK[after] : 0) > (before ? SEVERITY_RANK[before] : 0);

/** What a surge.updated moved of a hold (`before` as read, `after` as updated): its end and severity, each from what to what; null for neither. */
function movedBy(before: Pick<HoldRow, 'until_at' | 'severity'>, after: Pick<HoldRow, 'until_at' | 'severity'>): Record<string, { from: unknown; to: unknown }> | null {
  const moved: Record<string, { from: unknown; to: unknown }> = {};
  if (before.until_at?.getTime() !== after.until_at?.getTime()) moved.until = { from: before.until_at, to: after.until_at };
  if (before.severity !== after.severity) moved.severity = { from: before.severity, to: after.severity };
  return Object.keys(moved).length > 0 ? moved : null;
}

/** How many of a hold's overrides its resource lists: a hold over a whole region may let hundreds of runs through. */
export const HOLD_OVERRIDES_SHOWN = 100;

function heldWindowIds(touched: readonly TouchedOccurrence[]): string[] {
  return [...new Set(touched.filter((entry) => entry.kind === 'held').map((entry) => entry.window_id))];
}

function notifyOnlyWindowIds(touched: readonly TouchedOccurrence[]): string[] {
  return [...new Set(touched.filter((entry) => entry.kind === 'notify-only').map((entry) => entry.window_id))];
}

const windowCountOf = (touched: readonly TouchedOccurrence[]): number => new Set(touched.map((entry) => entry.window_id)).size;

/** What a release whose window.released events follow it reads: the windows hold.released lists (held ones first) and those moved. */
function listableAfterRelease(touched: readonly TouchedOccurrence[], heldIds: readonly string[], moves: readonly { windowId: string }[]): TouchedOccurrence[] {
  const read = new Set([...heldIds, ...notifyOnlyWindowIds(touched)].slice(0, HOLD_EVENT_WINDOW_LIMIT).concat(moves.map((move) => move.windowId)));
  return touched.filter((entry) => read.has(entry.window_id));
}
