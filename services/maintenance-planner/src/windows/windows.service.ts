import { isDeepStrictEqual } from 'node:util';
import { createEvent, type HoldfastEvent, type Occurrence, type OccurrenceStatus, type WindowField, type WindowSnapshot } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { canonicalZoneName, RegionCatalog } from '@holdfast/regions';
import { atField, Clock, daysInWords, decodeCursor, DomainError, InjectServiceConfig, invalidRequest, pageOf, type ServiceConfig } from '@holdfast/service-kit';
import { canonicalRecurrenceRule, type ExdateReading, expandOccurrences, instantToWallClock, MAX_OCCURRENCES_LIMIT, type PlannedWindow, planWindow, readExdates, wallClockToInstant } from '@holdfast/time';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { PlannerSettings } from '../config/planner-settings';
import { GateService } from '../gate/gate.service';
import { HoldAnnouncer, type AutomaticMove, type TouchedOccurrence } from '../holds/hold-announcer';
import { type LinkInForce, linksInForce, refreshWindowStatus, rowsOf } from '../holds/hold-fanout.sql';
import { endOfHeld, heldThrough, heldUntil, HOLD_COLUMNS, knownEnd, LOCK_HOLD_SET_TO_PLAN, type HoldRow } from '../holds/hold-record';
import { HoldsService } from '../holds/holds.service';
import { auditOccurrences } from '../holds/window-announcement-backlog';
import { readHoldingRegions } from '../occurrences/holding-regions';
import { LocalTimes } from '../regions/local-times';
import { SERVICE_NAME } from '../service-name';
import { allowedHoursApart } from '../slots/allowed-hours-apart';
import { DEFAULT_FLEXIBILITY_DAYS } from '../slots/slot-proposer';
import { localTimeAmiss, localWithOffset, overlapInZone, readsAsUtc } from './clock-change';
import { refuseRuns, type HorizonRefusal } from './horizon-refusal';
import { countedDates, countOf, countStoring, replanStores, runsStored, withCount } from './recurrence-count';
import { assertMayChangePolicy, assertMayMoveUnderHolds, type NamedHold } from './override-scope';
import { movesToRule, startMovedByZoneRules, withoutRunsMovedToSlots, type RunMove, type RunMovedToSlot } from './runs-off-rule';
import { windowCancelled } from './window-cancelled';
import { assertBodyVersionAgrees, WINDOWS } from './window-version';
import { allowedHoursTooShort, flexibilityTooFarAhead, flexibilityTooShort, tooFarAheadInWords, windowTooShort, type CreateWindowRequest, type UpdateWindowRequest } from './window-request.schema';
import {
  heldByAndLetThroughBy,
  heldThroughActiveHolds,
  linkInForce,
  OCCURRENCE_COLUMNS,
  type OccurrenceRow,
  occurrenceView,
  readerRegions,
  startableFrom,
  WINDOW_COLUMNS,
  windowColumns,
  type WindowRow,
  windowSnapshot,
  windowStatusOf,
} from './window-record';
import type { OccurrencePage } from './window-view.schema';
import { knownRegionCodes } from '../regions/known-regions';

const TIME_FIELDS = ['startsAt', 'endsAt', 'plannedZone', 'recurrence', 'exdates'] as const;

/**
 * A window's times as stored: to the millisecond, as JavaScript Dates and the list's cursor keep
 * them. A start sent with microseconds (Python's isoformat) was stored whole and read back cut, so
 * the page after it began with it again, and a page of one never moved on.
 */
const toMillisecond = (instant: string): Date => new Date(instant);
/** A stored window's times as its rule is expanded from them. */
const storedTimes = (row: WindowRow) => ({ startsAt: row.starts_at.toISOString(), endsAt: row.ends_at.toISOString(), plannedZone: row.planned_zone, recurrence: row.recurrence ?? undefined, exdates: row.exdates });
/** How far past the horizon the sweep looks for a quiet recurring window's next run; a rule with none by then is looked at again once the horizon has moved that far. */
const QUIET_LOOKAHEAD_MS = 35 * 86_400_000;

/**
 * A window whose every run has ended by now would only ever be marked missed: most likely a wrong
 * date (the year, say), so it is refused with the run's end, not stored.
 */
function assertAhead(occurrences: readonly { end: Date }[], now: Date): void {
  const last = occurrences.at(-1);
  if (!last || last.end > now) return;
  throw new DomainError('window-in-past', 422, `Every run of this window has ended by now (${now.toISOString()}): the last ends ${last.end.toISOString()}. Check the date; plan a window ahead of now.`, {
    errors: [{ path: 'endsAt', message: 'ends before now' }],
  });
}

/**
 * A window whose first run (its startsAt: a recurring one starts on its first run) is years ahead is
 * most likely a mistyped year (2062 for 2026): stored, it would plan nothing near and hold nothing in
 * the period meant. Refused with how far ahead it is.
 */
function assertNotTooFarAhead(startsAt: string, now: Date, maxAheadMs: number): void {
  const aheadMs = Date.parse(startsAt) - now.getTime();
  if (aheadMs <= maxAheadMs) return;
  throw new DomainError(
    'window-too-far-ahead',
    422,
    `This window's first run starts at ${startsAt}, ${daysInWords(aheadMs)} from now (${now.toISOString()}), further ahead than the ${daysInWords(maxAheadMs)} a window may be planned (PLAN_MAX_AHEAD_DAYS). Check the year in startsAt and endsAt, or plan the window nearer the time.`,
    { errors: [{ path: 'startsAt', message: `more than ${daysInWords(maxAheadMs)} from now` }] },
  );
}

/**
 * A flexibility slots can be searched in from now: one reaching further ahead than a window may be
 * planned is most likely a year typed wrong, as a first run that far ahead is (refused naming each
 * instant and how far ahead it is); one whose deadline leaves no run's length after now would have
 * no slot proposed when a surge holds the window (its suggestions answer 422 then), so it is refused
 * when it is given rather than found out then.
 */
function assertFlexibilityWithinReach(window: { startsAt: string; endsAt: string; flexibility?: { earliestStartAt: string; deadlineAt: string } | null }, now: Date, maxAheadMs: number): void {
  if (!window.flexibility) return;
  const lastsMs = Date.parse(window.endsAt) - Date.parse(window.startsAt);
  const tooFar = flexibilityTooFarAhead(window.flexibility, lastsMs, now, maxAheadMs);
  if (tooFar.length === 0) {
    assertDeadlineAhead(window.flexibility.deadlineAt, lastsMs, now);
    return;
  }
  throw new DomainError(
    'flexibility-too-far-ahead',
    422,
    `This window's ${tooFarAheadInWords(tooFar, now, maxAheadMs)}: slots would be searched, and runs moved automatically, that far ahead. Check the year in flexibility, or leave the flexibility out to have slots searched in the ${DEFAULT_FLEXIBILITY_DAYS} days from now.`,
    { errors: tooFar.map((entry) => ({ path: entry.path, message: entry.message })) },
  );
}

function assertDeadlineAhead(deadlineAt: string, lastsMs: number, now: Date): void {
  const latestStart = Date.parse(deadlineAt) - lastsMs;
  if (latestStart >= now.getTime()) return;
  throw new DomainError(
    'flexibility-passed',
    422,
    `This window's flexibility.deadlineAt ${deadlineAt} leaves no slot after now (${now.toISOString()}): a run of ${lastsMs / 60_000} minutes would have to start by ${new Date(latestStart).toISOString()}. Move deadlineAt later (check its year), or leave the flexibility out to have slots searched in the ${DEFAULT_FLEXIBILITY_DAYS} days from now.`,
    { errors: [{ path: 'flexibility.deadlineAt', message: 'leaves no slot after now' }] },
  );
}

/**
 * A window longer than the configured maximum is most likely a mistyped end (the year, say): refused
 * with its length, not stored to hold every surge's region for months.
 */
function assertNotTooLong(window: { startsAt: string; endsAt: string }, maxMs: number): void {
  const lasts = Date.parse(window.endsAt) - Date.parse(window.startsAt);
  if (lasts <= maxMs) return;
  const hours = (ms: number) => `${Math.round(ms / 3_600_000).toLocaleString('en-US')} hours`;
  throw new DomainError(
    'window-too-long',
    422,
    `This window lasts ${hours(lasts)} (${window.startsAt} to ${window.endsAt}), longer than the ${hours(maxMs)} a window may last (WINDOW_MAX_DURATION_HOURS). Check endsAt, or plan the work as several windows.`,
    { errors: [{ path: 'endsAt', message: `more than ${hours(maxMs)} after startsAt` }] },
  );
}

/** How far past the horizon runs are judged for overlap: every DST change of a year. */
const YEAR_AHEAD_MS = 366 * 86_400_000;

/**
 * Runs of one window that overlap (a run longer than the time between two starts, or a day made
 * shorter by a DST change) would hold and gate the same work twice at once: refused, naming the first
 * pair, as instants and as `zone` reads them, with any clock change between them.
 */
function assertApart(occurrences: readonly { start: Date; end: Date }[], zone: string): void {
  for (let index = 1; index < occurrences.length; index++) {
    const [before, after] = [occurrences[index - 1], occurrences[index]];
    if (before.end <= after.start) continue;
    throw new DomainError(
      'overlapping-occurrences',
      422,
      `The run starting ${before.start.toISOString()} lasts until ${before.end.toISOString()}, after the next run starts at ${after.start.toISOString()}${overlapInZone(before, after, zone)}: a run must end before the next begins. Shorten the window or recur less often.`,
      { errors: [{ path: 'recurrence', message: 'runs overlap: each lasts longer than the time between two starts' }] },
    );
  }
}

/**
 * A recurring window's start must be the first run its rule gives (exdates aside). RFC 5545 leaves
 * a DTSTART outside its rule undefined: rrule skips it and calendar clients differ, so a weekly
 * BYDAY=MO window planned to start on a Sunday showed a start no run had, and ran on Mondays
 * without a word. Refused, naming the first run the rule gives.
 */
function assertStartIsFirstRun(planned: PlannedWindow, firstRun: { start: Date } | undefined): void {
  if (!planned.recurrence || !firstRun || firstRun.start.getTime() === planned.start.getTime()) return;
  const local = (at: Date) => DateTime.fromJSDate(at, { zone: planned.zone }).toFormat("cccc yyyy-MM-dd HH:mm");
  throw new DomainError(
    'start-not-in-recurrence',
    422,
    `startsAt ${planned.start.toISOString()} (${local(planned.start)} in ${planned.zone}) is not a run of ${planned.recurrence.rrule}: its first run would start ${firstRun.start.toISOString()} (${local(firstRun.start)}). Make startsAt and endsAt the first run, or change the rule to include that start.`,
    { errors: [{ path: 'startsAt', message: `is not a run of the recurrence: its first run starts ${firstRun.start.toISOString()}` }] },
  );
}

/** Which of the holds have no end, in words: "it has", "they have", "2 of them have". */
const withoutEnd = (holds: number, open: number): string => (holds === 1 ? 'it has' : open === holds ? 'they have' : `${open} of them ${open === 1 ? 'has' : 'have'}`);

/**
 * Where a window refused for falling into `holds` may be planned instead: after the latest of their
 * ends known ahead (knownEnd: a cleared surge's due release, a declaration's until and the cool-down
 * after it, a manual hold's until), where a window is neither refused nor held by their release; or
 * once released when one has none. A surge under way has none: its expected end is said as expected,
 * since a window planned right after it is refused again while the surge goes on.
 * The gate answers for the instant asked: for a hold that has not begun (a manual hold placed ahead), it
 * answers 200 now, so the advice names when each such hold begins and ends and the gate's question with
 * `at` at `heldFrom`'s first instant, when a run of the window would first be held.
 */
function planAfter(holds: readonly HoldRow[], reaches: readonly Date[], heldFrom: readonly Date[], now: Date, coolDownMs: number): string {
  const regions = [...new Set(holds.flatMap((hold) => hold.regions))];
  const ends = holds.map((hold) => knownEnd(hold, coolDownMs));
  // A surge under way's until, while ahead: its expected end.
  const expected = holds.flatMap((hold, index) => {
    const estimate = ends[index] === null ? heldUntil(hold, now, coolDownMs) : null;
    return estimate ? [estimate.getTime()] : [];
  });
  const latest = (times: number[]) => new Date(Math.max(...times)).toISOString();
  const whenExpected = expected.length === 0 ? '' : ` (${expected.length > 1 ? 'their surges are expected to end by about' : 'its surge is expected to end about'} ${latest(expected)})`;
  const after = ends.every((end) => end !== null)
    ? `after ${latest(ends.map((end) => end!.getTime()))}, when ${holds.length > 1 ? 'the last of the holds ends' : 'the hold ends'}${afterDeclaredPeriod(holds, ends as Date[], coolDownMs)}`
    : `after ${holds.length > 1 ? 'the holds are' : 'the hold is'} released, as ${withoutEnd(holds.length, ends.filter((end) => end === null).length)} no end yet${whenExpected}, or for after ${latest(reaches.map((reach) => reach.getTime()))}, beyond the runs ${holds.length > 1 ? 'they hold' : 'it holds'} now, where it is held only if ${holds.length > 1 ? 'one of them' : 'the hold'} still lasts when its time comes near`;
  const gate = `GET /v1/gate?regions=${regions.join(',')}`;
  const notBegun = holds.filter((hold) => hold.from_at > now);
  if (notBegun.length === 0) return `Plan it for ${after} (${gate} answers 200 once nothing holds ${regions.join(', ')})`;
  // The gate answers for the instant asked: before a hold begins it answers 200, and polling it would plan into the same 409.
  const periods = notBegun.map((hold) => {
    const end = ends[holds.indexOf(hold)];
    return `hold ${hold.id} holds ${hold.regions.join(', ')} from ${hold.from_at.toISOString()} ${end ? `to ${end.toISOString()}` : 'until it is released'}`;
  });
  const firstHeld = new Date(Math.min(...heldFrom.map((at) => at.getTime()))).toISOString();
  const them = notBegun.length > 1 ? 'them' : 'it';
  return `Plan it for ${after} (${periods.join('; ')}; the gate answers for the instant asked, so ${gate} shows ${them} only once ${notBegun.length > 1 ? 'they begin' : 'it begins'}: ${gate}&at=${firstHeld}, the window's first time in ${holds.length > 1 ? 'the holds' : 'it'}, answers for then)`;
}

/**
 * Why the last of the holds' ends (`ends`, each known) lies past the until a person declared, when a declaration not yet cleared
 * sets it: ", a 30-minute cool-down after its declared critical period ends at ...". Once cleared, its due release says it all.
 */
function afterDeclaredPeriod(holds: readonly HoldRow[], ends: readonly Date[], coolDownMs: number): string {
  const last = ends.reduce((latest, end, index) => (end > ends[latest] ? index : latest), 0);
  const hold = holds[last];
  if (hold.source !== 'declaration' || hold.release_due_at !== null || hold.until_at === null) return '';
  return `, a ${coolDownMs / 60_000}-minute cool-down (HOLD_COOLDOWN_MINUTES) after ${holds.length > 1 ? 'a' : 'its'} declared critical period ends at ${hold.until_at.toISOString()}`;
}

/** Occurrences ended unstarted become missed; a held one is not: its hold's release gives it a new slot. */
export const MARK_MISSED = `UPDATE occurrence SET status = 'missed', missed_at = $1 WHERE status = 'scheduled' AND ends_at <= $1 AND NOT ${heldThroughActiveHolds('occurrence')} RETURNING window_id, number`;

// A window.updated lists at most this many moved runs, as a hold event lists a window's, well under Kafka's message limit; the audit entry too.
const MOVES_LISTED = 100;

// The latest instant a Date holds: a one-off window's run is compared whatever the horizon.
const END_OF_TIME = new Date(8.64e15);

/**
 * How far a window's runs are stored: the horizon, or past the last run planned when that lies
 * beyond it (a first run always is planned, however far ahead), so the sweep adds none twice.
 */
function expandedThrough(horizon: Date, occurrences: readonly { start: Date }[]): Date {
  const last = occurrences.at(-1);
  return last && last.start >= horizon ? new Date(last.start.getTime() + 1) : horizon;
}

/** Windows and their occurrences: planned, moved, cancelled, started and completed, each change announced through the outbox. */
@Injectable()
export class WindowsService {
  /** Recurring windows the sweep found with no run to add, until the horizon reaches their next run (see rememberQuiet). */
  private readonly quietWindows = new Map<string, { version: number; expandedUntilMs: number; nextRunMs: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly messaging: MessagingRuntime,
    private readonly holds: HoldsService,
    private readonly gate: GateService,
    private readonly announcer: HoldAnnouncer,
    private readonly localTimes: LocalTimes,
    private readonly catalog: RegionCatalog,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  async create(request: CreateWindowRequest, actor: string) {
    this.checkRegions(request.footprint.regions, 'footprint.regions');
    const now = this.clock.now();
    const id = uuidv7();
    const horizon = new Date(now.getTime() + this.config.settings.occurrenceHorizonMs);
    const occurrences = this.plannedOccurrences(request, horizon, now);
    this.assertExdatesNameRuns(request);
    assertFlexibilityWithinReach(request, now, this.config.settings.planMaxAheadMs);
    const hoursApart = allowedHoursApart(request, this.catalog, now);
    if (hoursApart) throw invalidRequest('invalid-body', 'The request body', [{ path: 'flexibility.allowedLocalHours.ranges', message: hoursApart }]);
    return this.dataSource.transaction(async (tx) => {
      await tx.query(LOCK_HOLD_SET_TO_PLAN);
      const [row] = (await tx.query(
        `INSERT INTO maintenance_window (id, version, title, owner_team, footprint_global, footprint_regions, footprint_shares, starts_at, ends_at, planned_zone,
           recurrence, exdates, priority, surge_policy, flexibility, status, expanded_until, created_at, updated_at, planned_local_start)
         VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'scheduled', $15, $16, $16, $17) RETURNING ${WINDOW_COLUMNS}`,
        [
          id,
          request.title,
          request.ownerTeam,
          request.footprint.global,
          request.footprint.regions,
          request.footprint.shares ?? null,
          toMillisecond(request.startsAt),
          toMillisecond(request.endsAt),
          request.plannedZone,
          request.recurrence ?? null,
          request.exdates ?? [],
          request.priority,
          request.surgePolicy,
          request.flexibility ?? null,
          expandedThrough(horizon, occurrences),
          now,
          instantToWallClock(new Date(request.startsAt), request.plannedZone),
        ],
      )) as WindowRow[];
      await insertOccurrences(tx, id, occurrences, 1);
      await this.holds.audit(tx, { subjectType: 'window', subjectId: id, action: 'scheduled', actor, details: { title: row.title, startsAt: row.starts_at } });
      const overridden = await this.intoHolds(tx, row, request.override?.reason, actor);
      // Linked to the holds in force as a change to it would be: a notify-only window is flagged, an overridden one let through.
      const heldByHolds = await this.holds.holdWindow(tx, id);
      const current = await this.row(tx, id);
      await this.publish(tx, createEvent('window.scheduled', { ...this.snapshot(current), status: 'scheduled' }, this.options(id)));
      await this.publish(tx, ...overridden.events);
      await this.publish(tx, ...heldByHolds);
      // The holds its override let it through, named as POST .../override names them: its 201 said nothing of them.
      return { ...(await this.resource(tx, current)), overridden: overridden.letThrough };
    });
  }

  /**
   * Planning or moving a window into an active hold is refused with 409 naming the hold, unless
   * the request carries an override; then the window is let through those holds, recorded with who and why.
   * A window being planned has no id its caller knows yet, so its 409 points to the holds' end, not to its suggestions.
   * A change (`change`) is judged for the runs it brings into a hold: a run the hold held before it, kept at the
   * same start and end, stays held by it, neither refused nor let through.
   */
  private async intoHolds(tx: EntityManager, row: WindowRow, overrideReason: string | undefined, actor: string, change?: JudgedChange): Promise<{ events: HoldfastEvent[]; letThrough: string[] }> {
    const none = { events: [], letThrough: [] };
    if (row.surge_policy !== 'hold') return none;
    const reached = await this.holdsReaching(tx, row, change);
    if (reached.length === 0) return none;
    const now = this.clock.now();
    const conflicting = reached.map(({ hold }) => hold);
    const reaches = reached.map(({ reach }) => reach);
    // For each, the first instant a run of the window would be held by it: where the gate, asked with at=, says so.
    const heldFrom = reached.map(({ hold, runs }) => new Date(Math.max(runs[0].starts_at.getTime(), hold.from_at.getTime(), now.getTime())));
    if (!overrideReason) {
      throw new DomainError(
        'window-in-hold',
        409,
        `The window falls into active hold${conflicting.length > 1 ? 's' : ''} ${conflicting.map((hold) => `${hold.id} (${hold.regions.join(', ')}: ${hold.reason})`).join('; ')}. ${change ? `Pick another time (GET /v1/windows/${row.id}/suggestions)` : planAfter(conflicting, reaches, heldFrom, now, this.config.settings.holdCooldownMs)}, or send override: {reason}.`,
        { holds: this.holdsNamed(conflicting) },
      );
    }
    // Judged for some runs only (those an exdate change brings back), only those are let through.
    const runs = change?.runs;
    if (!runs) return this.overrideHolds(tx, row, conflicting, overrideReason, actor, change ? { heldAlready: change.heldAlready } : 'every-run');
    const events: HoldfastEvent[] = [];
    const letThrough = new Set<string>();
    for (const number of runs) {
      const overridden = await this.overrideHolds(tx, row, conflicting, overrideReason, actor, number);
      events.push(...overridden.events);
      for (const holdId of overridden.letThrough) letThrough.add(holdId);
    }
    return { events, letThrough: [...letThrough] };
  }

  /**
   * The holds in force or planned on the window's footprint that would hold its scheduled runs (`change.runs`, else
   * every one) were its policy hold, whatever it is: each with how far it holds runs now and the runs it reaches, by
   * start. A run the hold lets through already (an override), or held at the same start and end before a change
   * (`change.heldAlready`), is not reached.
   */
  private async holdsReaching(tx: EntityManager, row: WindowRow, change?: JudgedChange): Promise<ReachingHold[]> {
    const only = change?.runs ?? null;
    const [span] = (await tx.query('SELECT min(starts_at) AS start, max(ends_at) AS end FROM occurrence WHERE window_id = $1 AND status = $2 AND ($3::int[] IS NULL OR number = ANY($3::int[]))', [
      row.id,
      'scheduled',
      only,
    ])) as {
      start: Date | null;
      end: Date | null;
    }[];
    if (!span?.start || !span.end) return [];
    const candidates = await this.holds.findActive(tx, row.footprint_global ? 'all' : row.footprint_regions, { start: span.start, end: span.end });
    const now = this.clock.now();
    const reached: ReachingHold[] = [];
    for (const hold of candidates) {
      // A hold with no end holds the runs that start within its horizon (HOLD_HORIZON_HOURS ahead, further as the sweep
      // extends it while the hold lasts): a run planned beyond it is taken, as one planned before the hold was, and held
      // when the horizon reaches it. Refused further ahead, one spike blocked a region's planning for weeks.
      const reach = heldThrough(hold, now, this.config.settings);
      // A run this hold already lets through (an override kept across a change of footprint, policy or exdates) is no conflict, nor one it held before the change.
      const runs = (await tx.query(
        `SELECT o.starts_at, o.ends_at FROM occurrence o WHERE o.window_id = $1 AND o.status = 'scheduled' AND o.starts_at < $3 AND o.ends_at > $2 AND ($5::int[] IS NULL OR o.number = ANY($5::int[]))
            AND NOT EXISTS (SELECT 1 FROM hold_occurrence l WHERE l.window_id = o.window_id AND l.number = o.number AND l.hold_id = $4 AND l.overridden_by IS NOT NULL)
            AND ${NOT_HELD_ALREADY('o', 6)}
          ORDER BY o.starts_at`,
        [row.id, hold.from_at, reach, hold.id, only, ...heldTimes(change?.heldAlready, hold.id)],
      )) as RunTimes[];
      if (runs.length > 0) reached.push({ hold, reach, runs });
    }
    return reached;
  }

  /** Holds as a problem document lists them, each until when it holds runs as of now. */
  private holdsNamed(holds: readonly HoldRow[]): NamedHold[] {
    const now = this.clock.now();
    return holds.map((hold) => ({ id: hold.id, regions: hold.regions, reason: hold.reason, from: hold.from_at, until: heldUntil(hold, now, this.config.settings.holdCooldownMs) }));
  }

  /**
   * Lets the window's runs (`which`) through the holds, recording and announcing each hold whose
   * override changed something. A hold that already let those runs through for the same actor and
   * reason (a retried request, or two sent at once) is listed in `letThrough` but neither recorded
   * nor announced again. A hold that held a run of the window until now and holds none after tells
   * it window.released now (releasedByOverride): the override is asked so the job runs now, and its
   * release may come hours later.
   */
  private async overrideHolds(
    tx: EntityManager,
    row: WindowRow,
    holds: readonly HoldRow[],
    reason: string,
    actor: string,
    which: OverriddenRuns,
    judgedNow?: JudgedNow,
  ): Promise<{ events: HoldfastEvent[]; letThrough: string[] }> {
    const occurrence = typeof which === 'number' ? which : null;
    const broughtIn = typeof which === 'object';
    const now = this.clock.now();
    const events: HoldfastEvent[] = [];
    const letThrough: string[] = [];
    // The holds that no longer hold the window, each with the runs it held until now and its hold.overridden.
    const letGo: { hold: HoldRow; heldBefore: number[]; overridden: HoldfastEvent }[] = [];
    let overriddenAny = false;
    for (const hold of holds) {
      // A window not told held yet by a large hold is told nothing of it.
      const untold = await this.holds.heldStillOwed(tx, hold, row.id);
      // Every run not yet over from the hold's start to its end (knownEnd, as the gate ends it: a surge under way has none),
      // not only those it reaches now: the override row is written first and a later fan-out of the
      // same hold (an extension) leaves it as it is. An overridden link does not hold, so the
      // occurrence reads scheduled unless another hold holds it. A link a change let go (a run an exdate
      // cancelled, now brought back) is the hold's again, as overridden, and counted among its runs; one a
      // notify-only window had, its policy now hold, is held (overridden) rather than flagged.
      // Brought in by a change ($9), a run let through already keeps who let it through, why and when, and
      // one the hold held before the change at the same times stays held: the change did not bring it in.
      // With `judgedNow`, while the hold is in force now ($3 to $8), also each run not over that may start now ($12,
      // JudgedNow), wherever the run lies: the gate and its start judge it by the holds in force now.
      // `holding`, read before the links change: the runs the hold holds until now; those the override does not change hold on.
      const [{ runs, changed, starts, holding, holds_on }] = rowsOf<{ runs: number; changed: number[]; starts: Date[]; holding: number[]; holds_on: boolean }>(
        await tx.query(
          `WITH holding AS (
             SELECT number FROM hold_occurrence WHERE hold_id = $1 AND window_id = $2 AND kind = 'held' AND released_at IS NULL AND overridden_by IS NULL
           ), run AS (
             SELECT window_id, number, status, starts_at FROM occurrence
              WHERE window_id = $2 AND ($7::int IS NULL OR number = $7) AND status IN ('scheduled', 'in-progress', 'needs-reschedule') AND ${NOT_HELD_ALREADY('occurrence', 10)}
                AND ends_at > $4::timestamptz AND ((ends_at > $3::timestamptz AND starts_at < COALESCE($8::timestamptz, 'infinity'::timestamptz))
                  OR ($12::timestamptz IS NOT NULL AND $3::timestamptz <= $4::timestamptz AND COALESCE($8::timestamptz, 'infinity'::timestamptz) > $4::timestamptz
                      AND (status IN ('in-progress', 'needs-reschedule') OR starts_at <= $12::timestamptz)))
           ), changed AS (
             INSERT INTO hold_occurrence (hold_id, window_id, number, kind, in_progress, held_at, overridden_by, override_reason, overridden_at, run_starts_at)
             SELECT $1, window_id, number, 'held', status = 'in-progress', $4, $5, $6, $4, starts_at FROM run
             ON CONFLICT (hold_id, window_id, number) DO UPDATE SET overridden_by = EXCLUDED.overridden_by, override_reason = EXCLUDED.override_reason, overridden_at = EXCLUDED.overridden_at, released_at = NULL,
               kind = EXCLUDED.kind, in_progress = EXCLUDED.in_progress
               WHERE ((hold_occurrence.overridden_by, hold_occurrence.override_reason) IS DISTINCT FROM (EXCLUDED.overridden_by, EXCLUDED.override_reason)
                   OR hold_occurrence.released_at IS NOT NULL)
                 AND (NOT $9::boolean OR hold_occurrence.overridden_by IS NULL)
             RETURNING number
           )
           SELECT (SELECT count(*) FROM run)::int AS runs, ARRAY(SELECT number FROM changed ORDER BY number) AS changed,
                  ARRAY(SELECT run.starts_at FROM changed JOIN run USING (number) ORDER BY number) AS starts,
                  ARRAY(SELECT number FROM holding ORDER BY number) AS holding,
                  EXISTS (SELECT 1 FROM holding WHERE number NOT IN (SELECT number FROM changed)) AS holds_on`,
          [
            hold.id,
            row.id,
            hold.from_at,
            now,
            actor,
            reason,
            occurrence,
            knownEnd(hold, this.config.settings.holdCooldownMs),
            broughtIn,
            ...heldTimes(broughtIn ? which.heldAlready : undefined, hold.id),
            judgedNow?.dueBy ?? null,
          ],
        ),
      );
      // No run of the window this hold could stop (the one named is over, before the hold or after it): nothing to record or tell.
      if (runs === 0) continue;
      letThrough.push(hold.id);
      if (changed.length === 0) continue;
      // A run named by its start too: a later change of the window's times numbers its runs anew.
      const named = which === 'every-run' ? [{ occurrence: null }] : changed.map((number, index) => ({ occurrence: number, startsAt: starts[index].toISOString() }));
      for (const run of named) {
        await this.holds.audit(tx, { subjectType: 'hold', subjectId: hold.id, action: 'overridden', actor, details: { windowId: row.id, ...run, reason } });
        await this.holds.audit(tx, { subjectType: 'window', subjectId: row.id, action: 'overridden', actor, details: { holdId: hold.id, ...run, reason } });
      }
      const touched = rowsOf<{ window_id: string; number: number; kind: 'held'; in_progress: boolean }>(
        await tx.query(`SELECT window_id, number, kind, in_progress FROM hold_occurrence WHERE hold_id = $1 AND window_id = $2 AND overridden_by IS NOT NULL`, [hold.id, row.id]),
      );
      const [window] = await this.announcer.load(tx, touched);
      const overridden = createEvent(
        'hold.overridden',
        {
          holdId: hold.id,
          regions: hold.regions,
          windowId: row.id,
          overriddenBy: actor,
          reason,
          overriddenAt: now.toISOString(),
          ...(window ? { window: this.announcer.holdWindow(window, hold.regions) } : {}),
        },
        { source: SERVICE_NAME, subject: hold.regions[0], time: now },
      );
      events.push(overridden);
      if (holding.length > 0 && !holds_on && !untold) letGo.push({ hold, heldBefore: holding, overridden });
      overriddenAny = true;
    }
    // Only a link that changed can change the window's status: a repeated override leaves it as it is.
    if (overriddenAny) await refreshWindowStatus(tx, [row.id]);
    for (const { hold, heldBefore, overridden } of letGo) {
      const released = await this.holds.releasedByOverride(tx, hold, row.id, heldBefore, overridden);
      if (released) events.push(released);
    }
    return { events, letThrough };
  }

  async override(id: string, reason: string, occurrence: number | undefined, actor: string) {
    return this.dataSource.transaction(async (tx) => {
      // It links runs the hold never linked (a run waiting for a new slot): a release under way, which locks only the windows its
      // hold links, is waited for here, before the window's row, as by a plan or a change, so it never meets the hold's links let go.
      await tx.query(LOCK_HOLD_SET_TO_PLAN);
      const row = await this.row(tx, id, true);
      if (row.cancelled) throw await windowCancelled(tx, id, 'no hold stops it and there is nothing to override');
      // A run it does not have is not found, whatever holds the window: "not held" would send its caller to start it.
      if (occurrence !== undefined) await this.occurrence(tx, id, occurrence);
      // The gate never stops such a window: an override would record and announce letting through what nothing held.
      if (row.surge_policy !== 'hold') {
        throw new DomainError('not-held', 409, `Window ${id} has surge policy ${row.surge_policy}: no hold stops it (the gate lets it start), so there is nothing to override. Start it as planned.`, {
          surgePolicy: row.surge_policy,
        });
      }
      const now = this.clock.now();
      // As at the gate: a surge's hold is in force until its release is due, past its expected end too; a manual one until its until;
      // a declaration's until its until and the cool-down after it ($4: that much before now), its clearance come or not.
      const holds = (await tx.query(
        `SELECT DISTINCT ${HOLD_COLUMNS.split(',').map((column) => `hold.${column.trim()}`).join(', ')} FROM hold
          WHERE hold.released_at IS NULL AND ($1::boolean OR hold.regions && $2::text[]) AND (hold.source <> 'manual' OR hold.until_at IS NULL OR hold.until_at > $3)
            AND (hold.source <> 'declaration' OR hold.until_at IS NULL OR hold.until_at > $4) AND (hold.release_due_at IS NULL OR hold.release_due_at > $3)`,
        [row.footprint_global, row.footprint_regions, now, new Date(now.getTime() - this.config.settings.holdCooldownMs)],
      )) as HoldRow[];
      if (holds.length === 0) throw new DomainError('not-held', 409, `Window ${id} is not under any active hold: nothing to override. Start it as planned.`);
      const judgedNow = { dueBy: new Date(now.getTime() + this.config.settings.earlyStartMs) };
      const { events, letThrough } = await this.overrideHolds(tx, row, holds, reason, actor, occurrence ?? 'every-run', judgedNow);
      if (letThrough.length === 0) {
        const which =
          occurrence === undefined
            ? 'none of its runs still to come falls within them, and none could start now while one is in force'
            : `occurrence ${occurrence} is over, cancelled, or outside them, and could not start now while one is in force`;
        throw new DomainError('not-held', 409, `Window ${id} has nothing the active holds on its regions could stop: ${which}. Nothing was overridden.`);
      }
      await this.publish(tx, ...events);
      return { windowId: id, overridden: letThrough, window: await this.resource(tx, await this.row(tx, id)) };
    });
  }

  /**
   * `mayOverride`: the actor's key has holds:override, which a change of surgePolicy from hold to one no hold stops needs,
   * and a change of footprint or times that brings a window under such a policy under a hold.
   */
  async update(id: string, request: UpdateWindowRequest, ifMatch: string | undefined, actor: string, mayOverride: boolean) {
    const precondition = WINDOWS.precondition(ifMatch, { id, bodyVersion: request.version, required: true });
    return this.dataSource.transaction(async (tx) => {
      await tx.query(LOCK_HOLD_SET_TO_PLAN);
      const row = await this.row(tx, id, true);
      WINDOWS.assertMatches(precondition, id, row.version, 'reapply your change');
      assertBodyVersionAgrees(id, ifMatch, request.version, row.version, 'reapply your change');
      if (row.cancelled) throw new DomainError('window-cancelled', 409, `Window ${id} is cancelled; plan a new one instead.`);
      if (request.surgePolicy) assertMayChangePolicy(id, row.surge_policy, request.surgePolicy, mayOverride);
      if (request.footprint) this.checkRegions(request.footprint.regions, 'footprint.regions');
      const next = {
        title: request.title ?? row.title,
        ownerTeam: request.ownerTeam ?? row.owner_team,
        footprint: request.footprint ?? { global: row.footprint_global, regions: row.footprint_regions, ...(row.footprint_shares ? { shares: row.footprint_shares } : {}) },
        startsAt: request.startsAt ?? row.starts_at.toISOString(),
        endsAt: request.endsAt ?? row.ends_at.toISOString(),
        plannedZone: request.plannedZone ?? row.planned_zone,
        recurrence: request.recurrence === undefined ? (row.recurrence ?? undefined) : (request.recurrence ?? undefined),
        exdates: request.exdates ?? (request.recurrence === null ? [] : row.exdates),
        priority: request.priority ?? row.priority,
        surgePolicy: request.surgePolicy ?? row.surge_policy,
        flexibility: request.flexibility === undefined ? row.flexibility : request.flexibility,
      };
      const errors = [];
      if (Date.parse(next.startsAt) >= Date.parse(next.endsAt)) errors.push({ path: 'endsAt', message: 'must be after startsAt' });
      // Judged when the times change, so a window stored shorter before this check can still be renamed.
      const windowShort = request.startsAt || request.endsAt ? windowTooShort(next) : undefined;
      if (windowShort) errors.push({ path: 'endsAt', message: windowShort });
      if (next.exdates.length > 0 && !next.recurrence) errors.push({ path: 'exdates', message: 'only a recurring window has exdates' });
      // Judged when the flexibility or the times change, so a window planned before this check can still be renamed.
      const tooShort = request.flexibility !== undefined || request.startsAt || request.endsAt ? flexibilityTooShort(next) : undefined;
      if (tooShort) errors.push({ path: 'flexibility.deadlineAt', message: tooShort });
      const hoursTooShort = request.flexibility !== undefined || request.startsAt || request.endsAt ? allowedHoursTooShort(next) : undefined;
      if (hoursTooShort) errors.push({ path: 'flexibility.allowedLocalHours.ranges', message: hoursTooShort });
      // Judged too when the regions or the zone they are read in change: the hours may no longer meet.
      const hoursApart = !hoursTooShort && (request.flexibility !== undefined || request.startsAt || request.endsAt || request.footprint || request.plannedZone) ? allowedHoursApart(next, this.catalog, this.clock.now()) : undefined;
      if (hoursApart) errors.push({ path: 'flexibility.allowedLocalHours.ranges', message: hoursApart });
      if (errors.length) throw invalidRequest('invalid-body', 'The request body', errors);
      const changes = changedFields(row, request);
      if (changes.length === 0) return this.resource(tx, row);
      // Judged when the flexibility changes, as the times are when they change: a window stored before this check can still be renamed.
      if (changes.includes('flexibility')) assertFlexibilityWithinReach(next, this.clock.now(), this.config.settings.planMaxAheadMs);
      const timeChanged = changes.some((field) => (TIME_FIELDS as readonly string[]).includes(field));
      // Moved in time (not only dates dropped or given back): the runs still to come are a new plan, and one waiting for a slot is superseded.
      const replanned = changes.some((field) => field !== 'exdates' && (TIME_FIELDS as readonly string[]).includes(field));
      const horizon = new Date(Math.max(row.expanded_until.getTime(), this.clock.nowMs() + this.config.settings.occurrenceHorizonMs));
      // Dates alone move no run: those they leave may all be over or called off (the last run to come skipped), not a window planned in the past.
      const occurrences = timeChanged ? this.plannedOccurrences(next, horizon, this.clock.now(), { from: this.clock.now(), judgeOver: replanned }) : [];
      // Dates alone: those added are judged (one stored before this check was made stays). Moved: every one, the stored ones told how they would move.
      if (replanned && (request.exdates === undefined || !changes.includes('exdates'))) this.assertExdatesKeptByMove(storedTimes(row), next);
      else if (replanned) this.assertExdatesNameRuns(next);
      else if (timeChanged) this.assertExdatesNameRuns(next, new Set(next.exdates.filter((exdate) => !row.exdates.includes(exdate))));
      // Exdates leave COUNT as it was (RFC 5545 counts the dates before it takes any out), and the runs kept do not move.
      if (replanned && request.recurrence === undefined) await this.assertCountKept(tx, row, next);
      // A window no hold stops was let through the holds where it was planned, not wherever it is moved: the runs the holds
      // reach before the change, as they would hold them were its policy hold, are those the change does not bring under one.
      const reachedBefore = !mayOverride && next.surgePolicy !== 'hold' && (timeChanged || changes.includes('footprint')) ? reachedRuns(await this.holdsReaching(tx, row)) : null;
      await tx.query(
        `UPDATE maintenance_window SET version = version + 1, title = $2, owner_team = $3, footprint_global = $4, footprint_regions = $5, footprint_shares = $6,
           starts_at = $7, ends_at = $8, planned_zone = $9, recurrence = $10, exdates = $11, priority = $12, surge_policy = $13, flexibility = $14, updated_at = $15, expanded_until = $16,
           planned_local_start = $17
         WHERE id = $1`,
        [
          id,
          next.title,
          next.ownerTeam,
          next.footprint.global,
          next.footprint.regions,
          next.footprint.shares ?? null,
          toMillisecond(next.startsAt),
          toMillisecond(next.endsAt),
          next.plannedZone,
          next.recurrence ?? null,
          next.exdates,
          next.priority,
          next.surgePolicy,
          next.flexibility ?? null,
          this.clock.now(),
          // Only a new plan stores runs up to the horizon; any other change leaves them as stored, and the sweep goes on from there.
          replanned ? expandedThrough(horizon, occurrences) : row.expanded_until,
          // Read again only when the start or its zone changes: a rename after a tzdata upgrade must not record the new rules' reading before the zone-rules check has compared them.
          changes.includes('startsAt') || changes.includes('plannedZone') ? instantToWallClock(new Date(next.startsAt), next.plannedZone) : row.planned_local_start,
        ],
      );
      const events: HoldfastEvent[] = [];
      let superseded: number[] = [];
      let dates: DatesChanged | undefined;
      if (timeChanged || changes.includes('footprint') || changes.includes('surgePolicy')) {
        const datesOnly = timeChanged && !replanned && !changes.includes('footprint') && !changes.includes('surgePolicy');
        const linkedBefore = await linksInForce(tx, id);
        if (timeChanged && !replanned) dates = await this.changeDates(tx, row, next, occurrences, row.expanded_until);
        const now = this.clock.now();
        // Occurrences not yet run are replanned; the holds they were under let go of them, then hold them again where they now fall.
        // Dates alone move no run: only those they cancel are let go, and the others stay held as they were, since their hold began.
        const letGo = [
          ...(dates?.cancelled.length ? await letGoForGood(tx, id, now, { runs: dates.cancelled }) : []),
          ...(datesOnly ? [] : await letGoOfRuns(tx, id, now)),
          ...(changes.includes('footprint') ? await letGoForGood(tx, id, now, { holdsOffFootprint: true }) : []),
        ];
        if (timeChanged && replanned) {
          // Runs still to come are replanned (those an exdate cancelled with them); those over by now (one waiting for a new slot,
          // one that never ran) stay as history. An override of a run the new plan keeps at the same time still lets it through.
          const replannedLinks = rowsOf<ReplannedLink>(
            await tx.query(
              `DELETE FROM hold_occurrence l USING occurrence o
                WHERE l.window_id = $1 AND o.window_id = l.window_id AND o.number = l.number AND o.status IN ('scheduled', 'needs-reschedule', 'cancelled') AND o.ends_at > $2
                RETURNING l.hold_id, l.held_at, l.released_at, l.overridden_by, l.override_reason, l.overridden_at, o.starts_at, o.ends_at`,
              [id, now],
            ),
          );
          await tx.query(`DELETE FROM occurrence WHERE window_id = $1 AND status IN ('scheduled', 'needs-reschedule', 'cancelled') AND ends_at > $2`, [id, now]);
          // A run waiting for a new slot is superseded by the new plan (the window moved, to its proposed slot, say): cancelled, so
          // the window's status and next run follow the new runs. Dropping dates (exdates) alone gives it no new slot: it waits on.
          superseded = rowsOf<{ number: number }>(
            await tx.query(`UPDATE occurrence SET status = 'cancelled', proposed_slot = NULL WHERE window_id = $1 AND status = 'needs-reschedule' RETURNING number`, [id]),
          ).map((run) => run.number);
          const [{ last, last_start }] = (await tx.query('SELECT COALESCE(max(number), 0)::int AS last, max(starts_at) AS last_start FROM occurrence WHERE window_id = $1', [id])) as {
            last: number;
            last_start: Date | null;
          }[];
          // The runs kept (completed, in progress, missed, over by now) are history: the new plan takes
          // over after the last of them and never plans again a run that has ended.
          const ahead = occurrences.filter((occurrence) => replanStores(occurrence, { lastStart: last_start, now }));
          await insertOccurrences(tx, id, ahead, last + 1);
          await keepOverrides(tx, id, replannedLinks);
        }
        const updated = await this.row(tx, id);
        // Dates alone plan nothing new but the runs given back: those are the ones a hold may refuse.
        const judged = datesOnly ? dates!.reinstated : undefined;
        if (reachedBefore && judged?.length !== 0) {
          assertMayMoveUnderHolds(id, next.surgePolicy, this.holdsNamed((await this.holdsReaching(tx, updated, { runs: judged, heldAlready: reachedBefore })).map(({ hold }) => hold)));
        }
        if (judged?.length !== 0) events.push(...(await this.intoHolds(tx, updated, request.override?.reason, actor, { runs: judged, heldAlready: linkedBefore })).events);
        events.push(...(await this.holds.holdWindow(tx, id, linkedBefore)));
        // Made exempt, the window is let go by every hold it was under at the change's word, not by a hold's release: the trail says whose.
        const releasedBy = changes.includes('surgePolicy') && next.surgePolicy === 'exempt' ? { actor, reason: `surgePolicy changed to exempt by ${actor}` } : undefined;
        await this.auditLetGo(tx, id, letGo, releasedBy);
        // A run whose time began while held, that the change lets go (its held region left the footprint, or
        // the policy no longer holds): treated as a hold's release after its start, it needs or is moved to
        // a new slot, not left scheduled to be marked missed. A new plan in time supersedes it instead.
        if (!replanned) {
          const moves = await this.settleLetGo(tx, letGo);
          const moved = await this.row(tx, id);
          const regions = readerRegions(moved);
          for (const move of moves) {
            events.push(this.announcer.windowRescheduledEvent(moved, move, regions, `Moved automatically after a change to window ${id} let go of the hold its run was under: the owner allowed automatic moves`, this.options(id)));
          }
        }
      }
      const runsChanged = {
        ...(superseded.length ? { superseded } : {}),
        ...(dates?.cancelled.length ? { cancelled: dates.cancelled, cancelledRuns: await datedRuns(tx, id, dates.cancelled) } : {}),
        ...(dates?.reinstated.length ? { reinstated: dates.reinstated, reinstatedRuns: await datedRuns(tx, id, dates.reinstated) } : {}),
      };
      await this.holds.audit(tx, { subjectType: 'window', subjectId: id, action: 'updated', actor, details: { changes, version: row.version + 1, ...runsChanged } });
      const current = await this.row(tx, id);
      await this.publish(tx, createEvent('window.updated', { ...this.snapshot(current), changes }, this.options(id)), ...events);
      return this.resource(tx, current);
    });
  }

  /**
   * Each exdate must be a run's start (readExdates): one that names none is most likely an offset
   * from the other side of a DST change or a date the rule does not give, and would leave the run it
   * meant to skip to take place. `judged`: only those (the ones a change adds), else every one.
   */
  private assertExdatesNameRuns(window: WindowTimes, judged?: ReadonlySet<string>): void {
    const astray = this.readExdates(window).filter((reading) => reading.run === null && (!judged || judged.has(reading.exdate)));
    if (astray.length === 0) return;
    const zone = window.plannedZone;
    // The first few in the detail, every one in errors: a thousand would make it a quarter of a megabyte to read.
    const said = astray.slice(0, EXDATES_SAID).map((reading) => astrayInWords(reading, zone));
    if (astray.length > EXDATES_SAID) said.push(`and ${astray.length - EXDATES_SAID} more, each named at its exdates.N in errors`);
    // The example is a run of this rule, so it is one the rule takes; a run in a fall-back hour's second pass by its instant
    // alone, as its local time names the first pass.
    const example = astray.find((reading) => reading.nearest)?.nearest?.start;
    const exampleLocal = example && instantToWallClock(example, zone);
    const forms = !example
      ? ''
      : wallClockToInstant(exampleLocal!, zone).getTime() === example.getTime()
        ? ` (${exampleLocal}, or ${example.toISOString().slice(0, 19)}Z)`
        : ` (${example.toISOString().slice(0, 19)}Z)`;
    throw new DomainError(
      'exdate-names-no-run',
      422,
      `exdates: ${said.join('; ')}. An exdate must be the start of a run of ${window.recurrence} in ${zone}, as a local time there or an instant with Z${forms}. Nothing was changed.`,
      { errors: astray.map((reading) => ({ path: `exdates.${reading.index}`, message: nearestRun(reading, zone) })) },
    );
  }

  /**
   * A move of a window's times leaves its exdates as they were written, and one that named a run
   * before may name none after (a skipped run's instant, moved an hour): the run it skipped would
   * take place. Refused unless the change sends exdates, naming the same runs of the rule at their
   * new times to send.
   */
  private assertExdatesKeptByMove(before: WindowTimes, after: WindowTimes): void {
    const readBefore = this.readExdates(before);
    const readAfter = this.readExdates(after);
    const lost = readAfter.filter((reading, index) => reading.run === null && typeof readBefore[index]?.run === 'number');
    if (lost.length === 0) return;
    // The run each skipped, by its local date: moved within its day, the skip goes with it; a day the moved rule no longer
    // runs on leaves nothing to skip there.
    const dayOf = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISODate();
    const skipped = lost.map((reading) => readBefore[reading.index].instant);
    const span = { from: new Date(Math.min(...skipped.map(Number)) - 2 * 86_400_000), until: new Date(Math.max(...skipped.map(Number)) + 2 * 86_400_000) };
    const moved = atField('recurrence', () => expandOccurrences(this.planned({ ...after, exdates: [] }), { ...span, maxCount: MAX_OCCURRENCES_LIMIT })).occurrences;
    const movedTo = new Map(lost.map((reading, index) => [reading.index, moved.find((run) => dayOf(run.start, after.plannedZone) === dayOf(skipped[index], before.plannedZone))]));
    const kept = lost.filter((reading) => movedTo.get(reading.index));
    if (kept.length === 0) return;
    const resent = after.exdates!.flatMap((exdate, index) => {
      if (!movedTo.has(index)) return [exdate];
      const run = movedTo.get(index);
      return run ? [`${run.start.toISOString().slice(0, 19)}Z`] : [];
    });
    throw new DomainError(
      'exdate-names-no-run',
      422,
      `Moved so, the window's exdates ${kept.map((reading) => reading.exdate).join(', ')} would name no run, and the runs they skip would take place on ${kept.map((reading) => dayOf(movedTo.get(reading.index)!.start, after.plannedZone)).join(', ')}. Send exdates with the change: ${JSON.stringify(resent)} skips them at their new times; [] runs them all. Nothing was changed.`,
      { errors: kept.map((reading) => ({ path: `exdates.${reading.index}`, message: `names no run once moved (its run would take place at ${movedTo.get(reading.index)!.start.toISOString()})` })), exdates: resent },
    );
  }

  private readExdates(window: WindowTimes): IndexedReading[] {
    if (!window.recurrence || !window.exdates?.length) return [];
    const planned = this.planned(window);
    return atField('exdates', () => readExdates(planned)).map((reading, index) => ({ ...reading, index }));
  }

  private planned(window: WindowTimes): PlannedWindow {
    return atField('plannedZone', () =>
      planWindow({
        start: new Date(window.startsAt),
        end: new Date(window.endsAt),
        zone: window.plannedZone,
        ...(window.recurrence ? { recurrence: { rrule: window.recurrence, exdates: window.exdates ?? [] } } : {}),
      }),
    );
  }

  /**
   * Exdates that took out every run stored still to come leave the window with none to read until the
   * sweep's horizon reaches the next (it read completed meanwhile): the rule's next run past those stored
   * is stored now, as a window planned with its first runs exdated has it. Its number, or null.
   */
  private async storeNextIfNoneLeft(tx: EntityManager, row: WindowRow, next: WindowTimes, storedUntil: Date): Promise<number | null> {
    const [{ live }] = rowsOf<{ live: boolean }>(
      await tx.query(`SELECT EXISTS (SELECT 1 FROM occurrence WHERE window_id = $1 AND ends_at > $2 AND status IN ('scheduled', 'needs-reschedule', 'in-progress')) AS live`, [row.id, this.clock.now()]),
    );
    if (live) return null;
    const until = new Date(storedUntil.getTime() + this.config.settings.planMaxAheadMs);
    const run = atField('recurrence', () => expandOccurrences(this.planned(next), { from: storedUntil, until, maxCount: 2 })).occurrences.find((one) => one.start >= storedUntil);
    if (!run) return null;
    const last = await lastRunNumber(tx, row.id);
    await insertOccurrences(tx, row.id, [run], last + 1);
    // As the sweep leaves a window it stored a run of past its horizon: it goes on after that run.
    await tx.query('UPDATE maintenance_window SET expanded_until = $2 WHERE id = $1', [row.id, new Date(run.start.getTime() + 1)]);
    return last + 1;
  }

  /** Why a run that cannot start was cancelled, for the 409 to say what would run it (see RunCancelledBy). */
  private cancelledBy(row: WindowRow, run: OccurrenceRow): RunCancelledBy {
    if (row.cancelled) return 'window';
    if (run.status !== 'cancelled') return 'replan';
    // Taken out by the exdates: one of them names a run of the rule starting when this one does.
    const at = run.starts_at.getTime();
    return this.readExdates(storedTimes(row)).some((reading) => reading.run !== null && reading.instant.getTime() === at) ? 'exdates' : 'replan';
  }

  /**
   * Exdates changed and none of the window's other times: the runs still to come stay as they are,
   * their numbers, holds and overrides with them. A scheduled run whose date is now an exdate is
   * cancelled, not deleted, so its number names no other run later; a date given back brings its run
   * back, the same run when an exdate cancelled it, or a new one numbered after the last when it was
   * never stored (an exdate given when the window was planned).
   */
  private async changeDates(tx: EntityManager, row: WindowRow, next: WindowTimes, planned: readonly { start: Date; end: Date }[], horizon: Date): Promise<DatesChanged> {
    const now = this.clock.now();
    const timesOf = (run: { start: Date; end: Date }) => `${run.start.getTime()}/${run.end.getTime()}`;
    // Runs as far as they are stored: the sweep stores those after it with the new exdates applied.
    const storedSoFar = (run: { start: Date; end: Date }) => run.end > now && run.start < horizon;
    const before = this.expand(storedTimes(row), horizon, now).occurrences.filter(storedSoFar);
    const after = planned.filter(storedSoFar);
    const inBefore = new Set(before.map(timesOf));
    const inAfter = new Set(after.map(timesOf));
    const dropped = before.filter((run) => !inAfter.has(timesOf(run)));
    const givenBack = after.filter((run) => !inBefore.has(timesOf(run)));
    const atTimes = (runs: readonly { start: Date; end: Date }[]) => [row.id, runs.map((run) => run.start), runs.map((run) => run.end)];
    const storedAt = async (runs: readonly { start: Date; end: Date }[]) =>
      new Set(
        rowsOf<{ starts_at: Date; ends_at: Date }>(
          await tx.query(
            `SELECT o.starts_at, o.ends_at FROM occurrence o JOIN unnest($2::timestamptz[], $3::timestamptz[]) AS t(starts_at, ends_at) ON o.starts_at = t.starts_at AND o.ends_at = t.ends_at
              WHERE o.window_id = $1`,
            atTimes(runs),
          ),
        ).map((run) => timesOf({ start: run.starts_at, end: run.ends_at })),
      );
    // A run of the rule stored at another time (moved after a hold, to its slot or automatically): an exdate would skip nothing.
    const movedAway = dropped.length === 0 ? [] : await storedAt(dropped).then((found) => dropped.filter((run) => !found.has(timesOf(run))));
    if (movedAway.length > 0) {
      const at = movedAway.map((run) => `${run.start.toISOString().slice(0, 19)}Z`).join(', ');
      throw new DomainError(
        'exdate-names-moved-run',
        422,
        `exdates: ${at} ${movedAway.length > 1 ? 'name runs' : 'names a run'} of the rule no longer stored at that time (moved after a hold): an exdate there would skip nothing. GET /v1/windows/${row.id}/occurrences lists where each run is now. Nothing was changed.`,
        { errors: movedAway.map((run) => ({ path: 'exdates', message: `the run of ${run.start.toISOString()} was moved` })) },
      );
    }
    const cancelled =
      dropped.length === 0
        ? []
        : rowsOf<{ number: number }>(
            await tx.query(
              `UPDATE occurrence o SET status = 'cancelled', proposed_slot = NULL FROM unnest($2::timestamptz[], $3::timestamptz[]) AS t(starts_at, ends_at)
                WHERE o.window_id = $1 AND o.starts_at = t.starts_at AND o.ends_at = t.ends_at AND o.status = 'scheduled' RETURNING o.number`,
              atTimes(dropped),
            ),
          ).map((run) => run.number);
    if (givenBack.length === 0) {
      const stored = await this.storeNextIfNoneLeft(tx, row, next, horizon);
      return { cancelled: cancelled.sort((a, b) => a - b), reinstated: stored === null ? [] : [stored] };
    }
    const revived = rowsOf<{ number: number }>(
      await tx.query(
        `UPDATE occurrence o SET status = 'scheduled' FROM unnest($2::timestamptz[], $3::timestamptz[]) AS t(starts_at, ends_at)
          WHERE o.window_id = $1 AND o.starts_at = t.starts_at AND o.ends_at = t.ends_at AND o.status = 'cancelled' RETURNING o.number`,
        atTimes(givenBack),
      ),
    ).map((run) => run.number);
    // Any run already stored at those times (brought back above, or moved there after a hold) is not stored twice.
    const storedTimesOf = await storedAt(givenBack);
    const fresh = givenBack.filter((run) => !storedTimesOf.has(timesOf(run)));
    const last = await lastRunNumber(tx, row.id);
    await insertOccurrences(tx, row.id, fresh, last + 1);
    const added = fresh.map((_, index) => last + 1 + index);
    return { cancelled: cancelled.sort((a, b) => a - b), reinstated: [...revived, ...added].sort((a, b) => a - b) };
  }

  /**
   * COUNT counts a rule's dates from its startsAt, and a change of the times replans only the runs after
   * those kept (up to the last of them, and none over by now): a COUNT-limited series moved past a run
   * that took place would count it again and run once more (COUNT=4 with one run done, moved a week
   * later: 5 runs), and one moved earlier before any run took place would count its dates over by now,
   * which the replan does not store (COUNT=4 moved a week into the past: 3 runs). Unless the change
   * sends the rule, the replan must store as many runs as the rule unchanged would; a 422 names the
   * COUNT with which it does.
   */
  private async assertCountKept(tx: EntityManager, row: WindowRow, next: WindowTimes): Promise<void> {
    // The change sends no rule (see the caller): the stored one is counted from the old start and from the new.
    const count = countOf(next.recurrence ?? '');
    if (!count || !row.recurrence) return;
    // The runs kept (as the replan keeps them): the new plan takes over after the last of them.
    const [{ last_start: lastStart, so_far: soFar }] = (await tx.query(
      `SELECT max(starts_at) AS last_start, count(*) FILTER (WHERE status NOT IN ('cancelled', 'needs-reschedule'))::int AS so_far
         FROM occurrence WHERE window_id = $1 AND NOT (status IN ('scheduled', 'needs-reschedule', 'cancelled') AND ends_at > $2)`,
      [row.id, this.clock.now()],
    )) as { last_start: Date | null; so_far: number }[];
    // With none kept yet, the replan stores the moved rule's runs not over by now: compared all the same.
    const kept = { lastStart, now: this.clock.now() };
    const datesOf = (window: WindowTimes) => {
      const planned = this.planned(window);
      return atField('recurrence', () => countedDates({ ...planned, recurrence: planned.recurrence! }, kept));
    };
    const after = datesOf(next);
    const aheadBefore = runsStored(datesOf(storedTimes(row)), count);
    const aheadAfter = runsStored(after, count);
    if (aheadBefore === aheadAfter) return;
    const advised = countStoring(after, aheadBefore);
    const keeping = withCount(next.recurrence!, advised);
    const keep =
      aheadBefore > 0
        ? `To keep it at ${soFar + aheadBefore} runs, send "recurrence": "${keeping}" with the change`
        : `It has no run ahead: to run it again, send the recurrence with the change ("${keeping}" runs it once more, COUNT counting from startsAt)`;
    const more = soFar > 0 ? ' more' : '';
    const would =
      soFar > 0
        ? `it would run ${aheadAfter} more times after the ${soFar} ${soFar === 1 ? 'run' : 'runs'} so far, ${soFar + aheadAfter} in all`
        : `it would run ${aheadAfter} ${aheadAfter === 1 ? 'time' : 'times'}, not ${aheadBefore} (COUNT counts every date of the rule from startsAt, those over by now and those exdated too)`;
    throw new DomainError(
      'recurrence-count-restarts',
      422,
      `Window ${row.id} recurs ${next.recurrence}, and COUNT counts runs from startsAt: moved to start at ${new Date(next.startsAt).toISOString()}, ${would}. ${keep}; to run it ${aheadAfter}${more} times, send the recurrence as it is with the change.`,
      {
        errors: [
          {
            path: 'recurrence',
            message:
              aheadBefore > 0
                ? `must be sent with a change of the window's times: COUNT=${advised} keeps the series at ${soFar + aheadBefore} runs`
                : "must be sent with a change of the window's times: the series has no run ahead",
          },
        ],
      },
    );
  }

  /**
   * The links a change let go that its fan-out did not make again (the window moved out of the hold,
   * left its regions, or runs replanned) are on the audit trail as released, as a hold's release is.
   * Made again means for a run at the same start and end: a replan numbers runs anew, and may give a
   * new run the number of one it moved out of the hold. `by`: who let them go and why, when the change
   * itself did (a policy no hold stops); else the hold is named, as its release would name it.
   */
  private async auditLetGo(tx: EntityManager, windowId: string, letGo: readonly LetGoLink[], by?: { actor: string; reason: string }): Promise<void> {
    if (letGo.length === 0) return;
    const kept = (await tx.query(
      `SELECT l.hold_id, o.starts_at, o.ends_at FROM hold_occurrence l JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number
        WHERE l.window_id = $1 AND l.hold_id = ANY($2::uuid[]) AND l.released_at IS NULL`,
      [windowId, [...new Set(letGo.map((link) => link.hold_id))]],
    )) as Pick<LetGoLink, 'hold_id' | 'starts_at' | 'ends_at'>[];
    const atTimes = (link: Pick<LetGoLink, 'hold_id' | 'starts_at' | 'ends_at'>) => `${link.hold_id}@${link.starts_at.toISOString()}/${link.ends_at.toISOString()}`;
    const inForce = new Set(kept.map(atTimes));
    const released = letGo.filter((link) => !inForce.has(atTimes(link)));
    for (const holdId of new Set(released.map((link) => link.hold_id))) {
      await auditOccurrences(
        tx,
        holdId,
        released.filter((link) => link.hold_id === holdId),
        { action: 'released', actor: by?.actor ?? `hold:${holdId}`, reason: by?.reason, at: this.clock.now() },
      );
    }
  }

  async cancel(id: string, reason: string, version: number | undefined, ifMatch: string | undefined, actor: string) {
    return this.dataSource.transaction(async (tx) => {
      const row = await this.row(tx, id, true);
      const precondition = WINDOWS.precondition(ifMatch, { id, bodyVersion: version });
      // Already cancelled answers as the cancel did, whatever version is sent: a retry of a cancel whose
      // answer was lost carries the version from before it, and a 409 would say the cancel did not happen.
      if (row.cancelled) return this.resource(tx, row);
      WINDOWS.assertMatches(precondition, id, row.version, 'cancel at its current version, or send no version to cancel it whatever its version');
      assertBodyVersionAgrees(id, ifMatch, version, row.version, 'cancel it if it should still be');
      const now = this.clock.now();
      await tx.query(`UPDATE hold_occurrence SET released_at = $2 WHERE window_id = $1 AND released_at IS NULL`, [id, now]);
      await tx.query(`UPDATE occurrence SET status = 'cancelled' WHERE window_id = $1 AND status IN ('scheduled', 'needs-reschedule')`, [id]);
      await tx.query(`UPDATE maintenance_window SET status = 'cancelled', version = version + 1, updated_at = $2 WHERE id = $1`, [id, now]);
      await this.holds.audit(tx, { subjectType: 'window', subjectId: id, action: 'cancelled', actor, details: { reason } });
      const current = await this.row(tx, id);
      await this.publish(tx, createEvent('window.cancelled', { ...this.snapshot(current), status: 'cancelled', reason, cancelledBy: actor }, this.options(id)));
      return this.resource(tx, current);
    });
  }

  /**
   * Starts the run if the gate allows it; `notice`, the gate's, when a hold is in force on a notify-only window;
   * `letThrough`, the gate's, when an override let the run through holds in force.
   */
  async start(id: string, number: number, actor: string): Promise<{ occurrence: Occurrence; notice?: string; letThrough?: string }> {
    const now = this.clock.now();
    // One that can never start (cancelled, completed, running, missed) is refused for what it is
    // before the gate is asked: a 423 would tell its caller to wait for holds that change nothing.
    // One not due yet, held or not, is refused as not due, saying when it is: moving the window is what
    // lets it run sooner. A held one that is due goes on to the gate, whose 423 names the holds.
    const asked = await this.occurrence(this.dataSource.manager, id, number);
    if (asked.status !== 'held' && !mayStart(asked)) throw notStartable(id, asked, this.cancelledBy(await this.row(this.dataSource.manager, id), asked));
    assertDue(id, asked, now, this.config.settings.earlyStartMs);
    const { notice, letThrough } = await this.gate.check({ windowId: id, at: now, occurrence: number });
    const occurrence = await this.dataSource.transaction(async (tx) => {
      const row = await this.row(tx, id, true);
      const occurrence = await this.occurrence(tx, id, number, true);
      // Held by a hold linked to the run since the gate read its links (the gate's 423 lists those it read, as asked without a run).
      // Held only by holds whose end by time has passed, it starts, as the gate said, unless they held it past its start (heldRun: it waits for a new slot).
      const held = occurrence.status === 'held' ? await this.gate.heldRun(tx, id, number, now) : null;
      if (held) throw held;
      const startable: OccurrenceRow = occurrence.status === 'held' ? { ...occurrence, status: 'scheduled' } : occurrence;
      if (!mayStart(startable)) throw notStartable(id, startable, this.cancelledBy(row, startable));
      assertDue(id, startable, now, this.config.settings.earlyStartMs);
      await tx.query(`UPDATE occurrence SET status = 'in-progress', started_at = $3 WHERE window_id = $1 AND number = $2`, [id, number, now]);
      await refreshWindowStatus(tx, [id]);
      await this.holds.audit(tx, { subjectType: 'occurrence', subjectId: id, action: 'started', actor, details: { number } });
      const current = await this.row(tx, id);
      const started = await this.occurrence(tx, id, number);
      const view = await this.occurrenceViewOf(tx, row, started);
      await this.publish(
        tx,
        createEvent(
          'window.started',
          {
            ...this.snapshot(current),
            status: 'in-progress',
            startedAt: now.toISOString(),
            occurrence: { startsAt: started.starts_at.toISOString(), endsAt: started.ends_at.toISOString() },
            occurrenceNumber: number,
            occurrences: [view],
          },
          this.options(id),
        ),
      );
      return view;
    });
    return { occurrence, notice, letThrough };
  }

  async complete(id: string, number: number, actor: string): Promise<Occurrence> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (tx) => {
      const row = await this.row(tx, id, true);
      const occurrence = await this.occurrence(tx, id, number, true);
      if (occurrence.status !== 'in-progress') throw notInProgress(id, occurrence, row.cancelled);
      await tx.query(`UPDATE occurrence SET status = 'completed', completed_at = $3 WHERE window_id = $1 AND number = $2`, [id, number, now]);
      await refreshWindowStatus(tx, [id]);
      await this.holds.audit(tx, { subjectType: 'occurrence', subjectId: id, action: 'completed', actor, details: { number } });
      const current = await this.row(tx, id);
      const done = await this.occurrence(tx, id, number);
      const view = await this.occurrenceViewOf(tx, row, done);
      await this.publish(
        tx,
        createEvent(
          'window.completed',
          {
            ...this.snapshot(current),
            status: current.status === 'completed' ? 'completed' : 'scheduled',
            completedAt: now.toISOString(),
            occurrence: { startsAt: done.starts_at.toISOString(), endsAt: done.ends_at.toISOString() },
            occurrenceNumber: number,
            occurrences: [view],
          },
          this.options(id),
        ),
      );
      return view;
    });
  }

  async get(id: string) {
    return this.resource(this.dataSource.manager, await this.row(this.dataSource.manager, id));
  }

  async list(query: { from?: string; to?: string; region?: string; team?: string; status?: string; limit: number; cursor?: string }) {
    if (query.region) this.checkRegions([query.region], 'region');
    const after = query.cursor ? decodeCursor(query.cursor, 'uuid') : null;
    const rows = (await this.dataSource.query(
      `SELECT ${windowColumns('w')} FROM maintenance_window w
        WHERE (($1::timestamptz IS NULL AND $2::timestamptz IS NULL)
            -- One run inside the range: a run before it and another after it are not one in it. A run an exdate
            -- cancelled is none (the window does not run then); a cancelled window's runs still place it in time.
            OR EXISTS (SELECT 1 FROM occurrence o WHERE o.window_id = w.id AND ($1::timestamptz IS NULL OR o.ends_at > $1) AND ($2::timestamptz IS NULL OR o.starts_at < $2)
                         AND (o.status <> 'cancelled' OR w.status = 'cancelled')))
          AND ($3::text IS NULL OR w.footprint_global OR $3 = ANY(w.footprint_regions))
          AND ($4::text IS NULL OR w.owner_team = $4)
          AND ($5::text IS NULL OR ${windowStatusOf('w')} = $5)
          AND ($6::timestamptz IS NULL OR (w.starts_at, w.id) > ($6, $7::uuid))
        ORDER BY w.starts_at, w.id LIMIT $8`,
      [query.from ?? null, query.to ?? null, query.region ? this.checkRegions([query.region], 'region')[0] : null, query.team ?? null, query.status ?? null, after?.at ?? null, after?.id ?? null, query.limit + 1],
    )) as WindowRow[];
    return pageOf(rows, query.limit, (row) => ({ at: row.starts_at, id: row.id }), (row) => this.resourceSync(row));
  }

  /**
   * A window's runs by number, a page at a time; the number alone places a page, the cursor's instant only keeps its shape.
   * Numbers follow the planned start order, but for a run moved after a hold and one brought back from an exdate the window
   * was planned with (numbered after the last).
   */
  async occurrences(id: string, query: { from?: string; to?: string; status?: OccurrenceStatus; limit: number; cursor?: string }): Promise<OccurrencePage> {
    const row = await this.row(this.dataSource.manager, id);
    const after = query.cursor ? decodeCursor(query.cursor, 'serial') : null;
    const rows = (await this.dataSource.query(
      `SELECT * FROM (SELECT ${OCCURRENCE_COLUMNS} FROM occurrence WHERE window_id = $1 AND ($3::int IS NULL OR number > $3)
          AND ($5::timestamptz IS NULL OR ends_at > $5) AND ($6::timestamptz IS NULL OR starts_at < $6)) occurrence
        WHERE ($2::text IS NULL OR status = $2) ORDER BY number LIMIT $4`,
      [id, query.status ?? null, after?.id ?? null, query.limit + 1, query.from ?? null, query.to ?? null],
    )) as OccurrenceRow[];
    const page = pageOf(rows, query.limit, (occurrence) => ({ at: occurrence.starts_at, id: occurrence.number }), (occurrence) => occurrence);
    // The holds that stop each run, and those that would but let it through with an override: a run let through reads
    // scheduled, and without them nothing on it said a hold was waived for it.
    const holds = (await this.dataSource.query(
      `SELECT l.number, ${heldByAndLetThroughBy('l', 'true')}
         FROM hold_occurrence l JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number
        WHERE l.window_id = $1 AND l.number = ANY($2::int[]) AND ${linkInForce('l', 'o')}
        GROUP BY l.number`,
      [id, page.items.map((occurrence) => occurrence.number)],
    )) as { number: number; held_by: string[]; let_through_by: string[] }[];
    const linked = new Map(holds.map((entry) => [entry.number, entry]));
    const holding = await readHoldingRegions(this.dataSource, row.footprint_global ? page.items : []);
    return {
      windowId: id,
      items: page.items.map((occurrence) => ({
        ...occurrenceView(occurrence, readerRegions(row, holding(occurrence)), this.localTimes),
        heldBy: linked.get(occurrence.number)?.held_by ?? [],
        letThroughBy: linked.get(occurrence.number)?.let_through_by ?? [],
        startableFrom: startableFrom(occurrence, this.config.settings.earlyStartMs),
      })),
      nextCursor: page.nextCursor,
      plannedThrough: row.recurrence ? row.expanded_until.toISOString() : null,
    };
  }

  /**
   * Settles the runs a change let go of, each by the end of the hold it was under, as that hold's
   * release would: a cleared surge's hold whose release is due already stopped nothing after then (the
   * gate let such a run start), so only a run that began before that due time needs a new slot.
   */
  private async settleLetGo(tx: EntityManager, letGo: readonly (TouchedOccurrence & { hold_id: string })[]): Promise<AutomaticMove[]> {
    if (letGo.length === 0) return [];
    const now = this.clock.now();
    const holds = (await tx.query('SELECT id, release_due_at FROM hold WHERE id = ANY($1::uuid[])', [[...new Set(letGo.map((link) => link.hold_id))]])) as Pick<HoldRow, 'id' | 'release_due_at'>[];
    const moves: AutomaticMove[] = [];
    for (const hold of holds) {
      const settled = await this.holds.settleReleased(tx, letGo.filter((link) => link.hold_id === hold.id), now, endOfHeld(hold, now), { holdId: hold.id });
      moves.push(...settled.moves);
    }
    return moves;
  }

  /**
   * Recurring windows get occurrences up to the rolling horizon; resolves with how many windows got
   * runs, and the windows whose new runs it refused to store (see refuseRuns): those get none, the
   * others go on. A window whose rule gives no run before the horizon that is not stored already is
   * left as it is (expanded_until too: the next sweep expands from there again), so a quiet system's
   * sweep writes nothing, and this process does not expand it again until the horizon reaches its
   * next run (rememberQuiet); a refused one is left so too, and judged again at every sweep.
   */
  async extendHorizon(): Promise<{ extended: number; refused: HorizonRefusal[] }> {
    const horizon = new Date(this.clock.nowMs() + this.config.settings.occurrenceHorizonMs);
    const due = (await this.dataSource.query(`SELECT id, version, expanded_until FROM maintenance_window WHERE recurrence IS NOT NULL AND status <> 'cancelled' AND expanded_until < $1`, [
      horizon,
    ])) as Pick<WindowRow, 'id' | 'version' | 'expanded_until'>[];
    const dueIds = new Set(due.map((row) => row.id));
    for (const id of this.quietWindows.keys()) if (!dueIds.has(id)) this.quietWindows.delete(id);
    let extended = 0;
    const refused: HorizonRefusal[] = [];
    const failed: { windowId: string; error: unknown }[] = [];
    for (const { id, version, expanded_until } of due) {
      const quiet = this.quietWindows.get(id);
      if (quiet && quiet.version === version && quiet.expandedUntilMs === expanded_until.getTime() && horizon.getTime() < quiet.nextRunMs) continue;
      try {
        const outcome = await this.expandWindow(id, horizon);
        if (outcome === true) extended++;
        else if (outcome) refused.push(outcome);
      } catch (error) {
        // One window PostgreSQL or its rule refuses stops no other's runs.
        failed.push({ windowId: id, error });
      }
    }
    if (failed.length > 0) {
      throw new AggregateError(
        failed.map((entry) => entry.error),
        `${failed.length} of ${due.length} recurring windows could not get their runs up to the horizon (${failed.map((entry) => entry.windowId).join(', ')}); ${extended} did. The next sweep tries them again.`,
      );
    }
    return { extended, refused };
  }

  /** Adds a recurring window's runs up to `horizon` and holds them as the active holds do; false when it had none to add, the refusal when they may not be stored. */
  private async expandWindow(id: string, horizon: Date): Promise<boolean | HorizonRefusal> {
    // Read first, unlocked: with no run to add, or runs refused, neither the hold set's lock nor the row's is taken.
    const current = await this.row(this.dataSource.manager, id);
    const unlocked = await this.runsToAdd(this.dataSource.manager, current, horizon);
    if (!unlocked || unlocked.occurrences.length === 0) {
      if (unlocked) this.rememberQuiet(current, horizon);
      return false;
    }
    if (unlocked.refused) return unlocked.refused;
    return this.dataSource.transaction(async (tx) => {
      await tx.query(LOCK_HOLD_SET_TO_PLAN);
      // Read again, locked: a cancel or a PATCH committed since the list was read wins.
      const row = await this.row(tx, id, true);
      const toAdd = await this.runsToAdd(tx, row, horizon);
      if (!toAdd || toAdd.occurrences.length === 0) return false;
      if (toAdd.refused) return toAdd.refused;
      const { occurrences, truncated } = toAdd;
      const last = await lastRunNumber(tx, row.id);
      await insertOccurrences(tx, row.id, occurrences, last + 1);
      // More runs than one expansion takes: the next sweep goes on from the last one inserted.
      const reached = truncated ? new Date(occurrences[occurrences.length - 1].start.getTime() + 1) : horizon;
      await tx.query('UPDATE maintenance_window SET expanded_until = $2 WHERE id = $1', [row.id, reached]);
      await this.publish(tx, ...(await this.holds.holdWindow(tx, row.id)));
      return true;
    });
  }

  /**
   * Remembers when a recurring window that got no run before `horizon` can next get one: its rule's
   * first run from the horizon on (or the horizon a lookahead later, when the rule gives none
   * before that), for the row as it stands. Without it, every sweep expanded every such window again
   * from its first run (the rule is walked from DTSTART), only to find nothing: 3.1-3.5 s of CPU a
   * minute at 2,005 recurring windows. A change to the window (its version) or its expansion forgets it.
   */
  private rememberQuiet(row: WindowRow, horizon: Date): void {
    const lookedUntil = horizon.getTime() + QUIET_LOOKAHEAD_MS;
    const next = this.expand(storedTimes(row), new Date(lookedUntil), horizon).occurrences.find((run) => run.start >= horizon);
    this.quietWindows.set(row.id, { version: row.version, expandedUntilMs: row.expanded_until.getTime(), nextRunMs: next?.start.getTime() ?? lookedUntil });
  }

  /**
   * The runs a window's rule gives by the zone rules in force now that start after `from` and
   * before `through`: its stored horizon (expanded_until), or, when the expansion stopped at
   * MAX_OCCURRENCES_LIMIT runs first, just after the last of them; a one-off window's one run,
   * whatever the horizon; with `marginMs`, from as long before `from` to as long after `through`.
   * Counted from the local time the window was planned to start at: `start` is where that now falls
   * when the rules read its stored start as another (null when they do not).
   */
  ruleRunsAhead(row: WindowRow, from: Date, marginMs = 0): { runs: { start: Date; end: Date }[]; through: Date; start: Date | null } {
    const start = startMovedByZoneRules(row.starts_at, row.planned_zone, row.planned_local_start);
    const times = start ? { ...storedTimes(row), startsAt: start.toISOString(), endsAt: endWithStartAt(row, start).toISOString() } : storedTimes(row);
    if (row.recurrence === null) {
      const run = { start: new Date(times.startsAt), end: new Date(times.endsAt) };
      return { runs: run.start.getTime() > from.getTime() - marginMs ? [run] : [], through: END_OF_TIME, start };
    }
    const { occurrences, truncated } = this.expand(times, new Date(row.expanded_until.getTime() + marginMs), new Date(from.getTime() - marginMs));
    const through = truncated ? new Date(occurrences[occurrences.length - 1].start.getTime() + 1) : row.expanded_until;
    const last = truncated ? through.getTime() : through.getTime() + marginMs;
    return { runs: occurrences.filter((run) => run.start.getTime() > from.getTime() - marginMs && run.start.getTime() < last), through, start };
  }

  /** The runs of a window the planner moved to a slot, each with a start it moved it to (from the window's trail). */
  async runsMovedToSlots(db: EntityManager, windowId: string): Promise<RunMovedToSlot[]> {
    const moves = (await db.query(
      `SELECT (details->>'number')::int AS number, details->>'startsAt' AS starts_at FROM audit_entry WHERE subject_id = $1 AND subject_type = 'occurrence' AND action = 'rescheduled'`,
      [windowId],
    )) as { number: number; starts_at: string }[];
    return moves.map((move) => ({ number: move.number, start: new Date(move.starts_at) }));
  }

  /**
   * Moves a window's runs to come, numbers kept, to where its rule puts them by the zone rules in
   * force, when they pair with the rule's runs (movesToRule; a run at a slot the planner
   * moved it to stays there, and the others pair without it); the holds that held them let go and
   * hold them again where they now fall. A window whose start the rules now read as another local
   * time than it was planned at moves its startsAt and endsAt back to that local time with them
   * (ruleRunsAhead's `start`), so the runs the sweep adds later repeat it too. Told as
   * window.updated with changes ['occurrences'] (and ['startsAt', 'endsAt']), listing the moved
   * runs. Judged again under the window's lock, so a change committed since the caller looked
   * wins. Null when the runs do not pair (left to the owner).
   */
  async moveRunsToRule(windowId: string, maxShiftMs: number, why: { reason: string; details: Record<string, unknown> }): Promise<{ moves: RunMove[]; startsAt: Date | null } | null> {
    return this.dataSource.transaction(async (tx) => {
      await tx.query(LOCK_HOLD_SET_TO_PLAN);
      const row = await this.row(tx, windowId, true);
      if (row.cancelled) return { moves: [], startsAt: null };
      const now = this.clock.now();
      // Rule runs from a shift before now to a shift past the horizon, and stored runs to a shift past it: the edges' runs pair too.
      const ahead = this.ruleRunsAhead(row, now, maxShiftMs);
      const stored = rowsOf<{ number: number; starts_at: Date; ends_at: Date }>(
        await tx.query(`SELECT number, starts_at, ends_at FROM occurrence WHERE window_id = $1 AND status = 'scheduled' AND starts_at > $2 AND starts_at < $3 FOR UPDATE`, [
          windowId,
          now,
          new Date(Math.min(ahead.through.getTime() + maxShiftMs, END_OF_TIME.getTime())),
        ]),
      ).map((run) => ({ number: run.number, start: run.starts_at, end: run.ends_at }));
      const toRule = movesToRule(withoutRunsMovedToSlots(stored, await this.runsMovedToSlots(tx, windowId)), ahead.runs, maxShiftMs, { now, through: ahead.through });
      if (!toRule) return null;
      const { moves, uncoveredFrom } = toRule;
      // A run the new rules brought in before the horizon: the horizon step plans it, as it would have past the horizon.
      if (uncoveredFrom) await tx.query('UPDATE maintenance_window SET expanded_until = LEAST(expanded_until, $2) WHERE id = $1', [windowId, uncoveredFrom]);
      if (moves.length === 0 && !ahead.start) return { moves, startsAt: null };
      const numbers = moves.map((move) => move.number);
      let heldAgain: HoldfastEvent[] = [];
      // Only the start moved (its runs already where the rule puts them): no run, and so no hold's link, to touch.
      if (moves.length > 0) {
        await tx.query(
          `UPDATE occurrence o SET starts_at = m.starts_at, ends_at = m.ends_at
             FROM unnest($2::int[], $3::timestamptz[], $4::timestamptz[]) AS m(number, starts_at, ends_at)
            WHERE o.window_id = $1 AND o.number = m.number`,
          [windowId, numbers, moves.map((move) => move.start), moves.map((move) => move.end)],
        );
        // As a change of the window's times: the holds let go of the moved runs, then hold them again where they now fall.
        const letGo = await letGoOfRuns(tx, windowId, now, numbers);
        heldAgain = await this.holds.holdWindow(tx, windowId);
        await this.auditLetGo(tx, windowId, letGo);
      }
      const start = ahead.start ?? row.starts_at;
      await tx.query('UPDATE maintenance_window SET version = version + 1, updated_at = $2, starts_at = $3, ends_at = $4 WHERE id = $1', [windowId, now, start, endWithStartAt(row, start)]);
      const changes: WindowField[] = [...(ahead.start ? (['startsAt', 'endsAt'] as const) : []), ...(moves.length > 0 ? (['occurrences'] as const) : [])];
      const moved = moves.map((move) => ({ number: move.number, from: move.previous.start.toISOString(), to: move.start.toISOString() }));
      await this.holds.audit(tx, {
        subjectType: 'window',
        subjectId: windowId,
        action: 'updated',
        actor: 'planner',
        details: {
          changes,
          version: row.version + 1,
          reason: why.reason,
          ...why.details,
          ...(ahead.start ? { startsAt: { from: row.starts_at.toISOString(), to: ahead.start.toISOString(), plannedLocalStart: row.planned_local_start } } : {}),
          moved: moved.slice(0, MOVES_LISTED),
          movedCount: moved.length,
        },
      });
      const current = await this.row(tx, windowId);
      const runs = (await tx.query(`SELECT ${OCCURRENCE_COLUMNS} FROM occurrence WHERE window_id = $1 AND number = ANY($2::int[]) ORDER BY number LIMIT ${MOVES_LISTED}`, [
        windowId,
        numbers,
      ])) as OccurrenceRow[];
      const regions = readerRegions(current);
      await this.publish(
        tx,
        createEvent(
          'window.updated',
          {
            ...this.snapshot(current),
            changes,
            occurrences: runs.map((run) => occurrenceView(run, regions, this.localTimes)),
            ...(moves.length > runs.length ? { occurrencesTruncated: true } : {}),
          },
          this.options(windowId),
        ),
        ...heldAgain,
      );
      return { moves, startsAt: ahead.start };
    });
  }

  /**
   * The runs a recurring window gets before `horizon` that are not stored yet; undefined when it can
   * get none (cancelled, one-off, expanded that far). `refused` when they fail the checks planning
   * makes: the rule's runs are those of today's expander and bounds, and a window stored before a
   * change to either may get runs that overlap each other or its stored ones, or last too long.
   */
  private async runsToAdd(db: EntityManager, row: WindowRow, horizon: Date) {
    if (row.cancelled || row.recurrence === null || row.expanded_until >= horizon) return undefined;
    // From where the last expansion stopped, not the first start: a rule's runs are counted from
    // there, so an hourly window does not stop getting runs once 10,000 lie behind it.
    const { occurrences: expanded, truncated } = this.expand(
      storedTimes(row),
      horizon,
      row.expanded_until,
    );
    // The stored runs still going at expanded_until: the ones a new run could meet. A run already
    // stored is never added again, whatever expanded_until says: one planned before it (a first run
    // beyond the horizon, recorded by a build that set expanded_until short of it) came back every sweep.
    const stored = (await db.query(`SELECT starts_at, ends_at FROM occurrence WHERE window_id = $1 AND ends_at > $2 AND status <> 'cancelled'`, [row.id, row.expanded_until])) as {
      starts_at: Date;
      ends_at: Date;
    }[];
    const storedStarts = new Set(stored.map((run) => run.starts_at.getTime()));
    const occurrences = expanded.filter((occurrence) => occurrence.start >= row.expanded_until && !storedStarts.has(occurrence.start.getTime()));
    const refused = refuseRuns(
      row.id,
      [...stored.map((run) => ({ start: run.starts_at, end: run.ends_at, stored: true })), ...occurrences.map((run) => ({ ...run, stored: false }))],
      this.config.settings.windowMaxDurationMs,
      row.planned_zone,
    );
    return { occurrences, truncated, refused };
  }

  /** Occurrences whose time passed without a start become missed, never silently completed. Run after the sweep's repair (see heldThroughActiveHolds). */
  async markMissed(): Promise<number> {
    return this.dataSource.transaction(async (tx) => {
      const missed = rowsOf<{ window_id: string; number: number }>(await tx.query(MARK_MISSED, [this.clock.now()]));
      if (missed.length === 0) return 0;
      const ids = [...new Set(missed.map((entry) => entry.window_id))];
      await refreshWindowStatus(tx, ids);
      // One row per run, as a start or a completion is recorded, so the trail says which run was missed.
      await tx.query(
        `INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, details)
         SELECT 'occurrence', run.window_id, 'missed', 'planner', $3, jsonb_build_object('number', run.number) FROM unnest($1::uuid[], $2::int[]) AS run(window_id, number)`,
        [missed.map((entry) => entry.window_id), missed.map((entry) => entry.number), this.clock.now()],
      );
      return missed.length;
    });
  }

  async row(db: EntityManager, id: string, lock = false): Promise<WindowRow> {
    const [row] = (await db.query(`SELECT ${WINDOW_COLUMNS} FROM maintenance_window WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id])) as WindowRow[];
    if (!row) throw new DomainError('window-not-found', 404, `No window ${id}: list windows with GET /v1/windows.`);
    return row;
  }

  private async occurrence(db: EntityManager, id: string, number: number, lock = false): Promise<OccurrenceRow> {
    const [row] = (await db.query(`SELECT ${OCCURRENCE_COLUMNS} FROM occurrence WHERE window_id = $1 AND number = $2 ${lock ? 'FOR UPDATE OF occurrence' : ''}`, [id, number])) as OccurrenceRow[];
    if (!row) throw new DomainError('occurrence-not-found', 404, `Window ${id} has no occurrence ${number}: list them with GET /v1/windows/${id}/occurrences.`);
    return row;
  }

  private snapshot(row: WindowRow): WindowSnapshot {
    return windowSnapshot(row, this.localTimes);
  }

  private resourceSync(row: WindowRow) {
    return { ...this.snapshot(row), id: row.id };
  }

  private async resource(db: EntityManager, row: WindowRow) {
    const [next] = (await db.query(`SELECT ${OCCURRENCE_COLUMNS} FROM occurrence WHERE window_id = $1 AND status IN ('scheduled', 'in-progress', 'needs-reschedule') ORDER BY starts_at LIMIT 1`, [
      row.id,
    ])) as OccurrenceRow[];
    return { ...this.resourceSync(row), nextOccurrence: next ? await this.occurrenceViewOf(db, row, next) : null };
  }

  /** A run as the API answers it: in its window's footprint regions, or a global window's in those of the holds in force on it. */
  private async occurrenceViewOf(db: EntityManager, row: WindowRow, occurrence: OccurrenceRow): Promise<Occurrence> {
    const holding = await readHoldingRegions(db, row.footprint_global ? [occurrence] : []);
    return occurrenceView(occurrence, readerRegions(row, holding(occurrence)), this.localTimes);
  }

  /**
   * The runs of a window being planned (every run from its first start) or changed (`from` now: the
   * runs already past stay as they were), refused when it starts too far ahead, is too long, is over
   * by now (unless `judgeOver` is false: a change of exdates alone), its runs overlap, or there are
   * more of them before the horizon than the planner keeps.
   */
  private plannedOccurrences(
    window: { startsAt: string; endsAt: string; plannedZone: string; recurrence?: string; exdates?: string[] },
    horizon: Date,
    now: Date,
    change?: { from: Date; judgeOver: boolean },
  ) {
    assertNotTooFarAhead(window.startsAt, now, this.config.settings.planMaxAheadMs);
    assertNotTooLong(window, this.config.settings.windowMaxDurationMs);
    const { occurrences, truncated } = this.expand(window, horizon, change?.from, true);
    if (truncated) {
      throw new DomainError(
        'too-many-occurrences',
        422,
        `recurrence: the window would have more than ${MAX_OCCURRENCES_LIMIT.toLocaleString('en')} runs from ${occurrences[0].start.toISOString()} to the horizon (${horizon.toISOString()}). Start it later, recur less often, or shorten OCCURRENCE_HORIZON_DAYS.`,
        { errors: [{ path: 'recurrence', message: `more than ${MAX_OCCURRENCES_LIMIT} runs before the horizon` }] },
      );
    }
    if (change?.judgeOver !== false) assertAhead(occurrences, now);
    assertApart(occurrences, window.plannedZone);
    // A DAILY or longer rule keeps its local time, so a DST change brings two runs closer: judged a year past the horizon too,
    // or a daily 24-hour window planned in winter is taken and its runs stop, refused by the sweep, at the spring change.
    if (window.recurrence && !/FREQ=HOURLY/i.test(window.recurrence) && occurrences.length > 0) {
      const last = occurrences[occurrences.length - 1].start;
      assertApart(this.expand(window, new Date(Math.max(horizon.getTime(), last.getTime()) + YEAR_AHEAD_MS), last).occurrences, window.plannedZone);
    }
    return occurrences;
  }

  /**
   * The runs up to `horizon` of those still going at `from` (the window's first start when not
   * given: every run). `truncated` when MAX_OCCURRENCES_LIMIT of them came before the horizon.
   * `checkStart` (planning and moving a window, not the sweep's expansion of stored ones) refuses a
   * start that is not the first run of its rule.
   */
  private expand(window: WindowTimes, horizon: Date, from?: Date, checkStart = false) {
    const planned = this.planned(window);
    if (!window.recurrence) return { occurrences: [{ start: planned.start, end: planned.end }], truncated: false };
    const until = new Date(Math.max(horizon.getTime(), planned.end.getTime() + 1));
    if (checkStart) {
      // The rule's first run without the exdates: leaving out the first date is allowed, starting off the rule is not.
      const rule = { rrule: window.recurrence, exdates: [] };
      const [first] = atField('recurrence', () => expandOccurrences({ ...planned, recurrence: rule }, { from: planned.start, until, maxCount: 1 })).occurrences;
      assertStartIsFirstRun(planned, first);
    }
    const expanded = atField('recurrence', () => expandOccurrences(planned, { from: from && from > planned.start ? from : planned.start, until, maxCount: MAX_OCCURRENCES_LIMIT }));
    // None still going: its first run says whether the rule is over by now (window-in-past) or gives none at all.
    // Not truncated: with maxCount 1 the expander says so of any rule with a second run, read as too-many-occurrences.
    if (expanded.occurrences.length === 0 && from) {
      return { occurrences: atField('recurrence', () => expandOccurrences(planned, { from: planned.start, until, maxCount: 1 })).occurrences, truncated: false };
    }
    const { occurrences } = expanded;
    if (occurrences.length === 0) {
      // Its first run left out by an exdate and the next past the horizon (a quarterly rule): that one is stored, as a one-off's first run is however far ahead.
      const [next] = atField('recurrence', () => expandOccurrences(planned, { from: planned.start, until: new Date(until.getTime() + this.config.settings.planMaxAheadMs), maxCount: 1 })).occurrences;
      if (next) return { occurrences: [next], truncated: false };
      throw new DomainError('no-occurrences', 422, 'recurrence: the rule gives no occurrence within the horizon; check COUNT, UNTIL and exdates.', {
        errors: [{ path: 'recurrence', message: 'gives no occurrence within the horizon' }],
      });
    }
    return expanded;
  }

  /** Every unknown code named at once, at the field that carried it. */
  private checkRegions(codes: readonly string[], path: string): string[] {
    return knownRegionCodes(this.catalog, codes, path);
  }

  private options(windowId: string) {
    return { source: SERVICE_NAME, subject: windowId, time: this.clock.now() };
  }

  private async publish(tx: EntityManager, ...events: HoldfastEvent[]): Promise<void> {
    await this.announcer.publish(tx, events);
  }
}

/** Whether a run not held may start: scheduled, or needing a new slot and started anyway. */
function mayStart(occurrence: OccurrenceRow): boolean {
  return occurrence.status === 'scheduled' || occurrence.status === 'needs-reschedule';
}

/** The 409 for starting a run that never can (running, done, missed or cancelled), saying what is true of it and what to do instead. */
function notStartable(id: string, occurrence: OccurrenceRow, cancelledBy: RunCancelledBy): DomainError {
  const run = `Occurrence ${occurrence.number} of window ${id}`;
  const windowCancelled = cancelledBy === 'window';
  const planAgain = windowCancelled ? 'plan it as a new window (POST /v1/windows)' : 'move the window to a new time (PATCH startsAt and endsAt)';
  const detail =
    occurrence.status === 'in-progress'
      ? `${run} is already in progress (started at ${occurrence.started_at?.toISOString()}): complete it when the work is done (POST /v1/windows/${id}/occurrences/${occurrence.number}/complete).`
      : occurrence.status === 'completed'
        ? `${run} was completed at ${occurrence.completed_at?.toISOString()}: it does not run again. For more work, plan a new window (POST /v1/windows).`
        : occurrence.status === 'missed'
          ? `${run} was missed: its time ended at ${occurrence.ends_at.toISOString()} without a start. To do the work, ${planAgain}.`
          : windowCancelled
            ? `${run} was cancelled with its window: it will never run. To do the work, ${planAgain}.`
            : cancelledBy === 'exdates'
              ? `${run} was cancelled: its date is among the window's exdates. To run it after all, take the date out of exdates (PATCH /v1/windows/${id}), which brings the run back under its number.`
              : `${run} was cancelled when the window was moved to a new time: start one of the runs that replaced it (GET /v1/windows/${id}/occurrences).`;
  return new DomainError('occurrence-not-startable', 409, detail, { occurrenceStatus: occurrence.status });
}

/** The 409 for completing a run that is not in progress, saying what to do for the status it has. */
function notInProgress(id: string, occurrence: OccurrenceRow, windowCancelled: boolean): DomainError {
  const run = `Occurrence ${occurrence.number} of window ${id}`;
  const planAgain = windowCancelled ? 'plan it as a new window (POST /v1/windows)' : 'move the window to a new time (PATCH startsAt and endsAt)';
  const detail =
    occurrence.status === 'completed'
      ? `${run} was completed at ${occurrence.completed_at?.toISOString()}: nothing left to do.`
      : occurrence.status === 'missed'
        ? `${run} was missed (it never started): nothing to complete. To do the work, ${planAgain}.`
        : occurrence.status === 'cancelled'
          ? `${run} was cancelled: nothing to complete. To do the work, ${planAgain}.`
          : `${run} is ${occurrence.status}, not in progress: start it first (POST /v1/windows/${id}/occurrences/${occurrence.number}/start).`;
  return new DomainError('occurrence-not-in-progress', 409, detail, { occurrenceStatus: occurrence.status });
}

/**
 * A scheduled run started long before its planned start is most likely the wrong run or window:
 * the gate judged the holds of now, not of the slot that was planned. Moving the window first
 * checks the new time against the holds, as planning does.
 */
function assertDue(id: string, occurrence: OccurrenceRow, now: Date, earlyStartMs: number): void {
  const earlyMs = occurrence.starts_at.getTime() - now.getTime();
  if ((occurrence.status !== 'scheduled' && occurrence.status !== 'held') || earlyMs <= earlyStartMs) return;
  const inWords = earlyMs >= 2 * 86_400_000 ? `${Math.floor(earlyMs / 86_400_000)} days` : earlyMs >= 7_200_000 ? `${Math.floor(earlyMs / 3_600_000)} hours` : `${Math.ceil(earlyMs / 60_000)} minutes`;
  throw new DomainError(
    'occurrence-not-due',
    409,
    `Occurrence ${occurrence.number} of window ${id} is planned to start at ${occurrence.starts_at.toISOString()}, ${inWords} from now: a run may start at most ${earlyStartMs / 60_000} minutes early (OCCURRENCE_EARLY_START_MINUTES). Start the run that is due, or move the window to now (PATCH startsAt and endsAt), which checks the holds at the new time.`,
    { startsAt: occurrence.starts_at.toISOString() },
  );
}

/**
 * The runs an override lets through: the one numbered; every run a hold could stop (an override of
 * the window, or one it is planned with), on the trail as occurrence null; or, sent with a change to
 * the window, those the change brought into the hold, each on the trail by its number: a run let
 * through before keeps the override it was given, and one the hold held before at the same start and
 * end stays held, since the change asked nothing new of either.
 */
type OverriddenRuns = number | 'every-run' | { heldAlready: readonly HeldRun[] };

/**
 * The runs the gate and a start judge by every hold in force now, not by the holds' periods (GateService.check):
 * those that may start now, a scheduled one starting by `dueBy` (OCCURRENCE_EARLY_START_MINUTES from now), one
 * waiting for a new slot, one running. An override lets such a run through a hold in force now that its period
 * alone would not reach (a run at 05:41 started early under a cool-down due at 05:39:50), so what their 423 says
 * to override it can; a run not due yet is judged, there and here, only by the holds that reach it.
 */
interface JudgedNow {
  dueBy: Date;
}

/**
 * A change to a window, judged against the holds: the runs it brought back (an exdate taken out), else every run, and the
 * links in force before it, by their runs' times (a change of the window's times numbers its runs anew): a run held before,
 * kept at its start and end, stays held, not brought into its hold.
 */
interface JudgedChange {
  runs?: readonly number[];
  heldAlready: readonly HeldRun[];
}

/** A run a hold held (kind held) or flagged, by its times. */
type HeldRun = Pick<LinkInForce, 'hold_id' | 'kind' | 'starts_at' | 'ends_at'>;

interface RunTimes {
  starts_at: Date;
  ends_at: Date;
}

/** A hold that would hold runs of a window: how far it holds runs now (heldThrough), and those runs by start. */
interface ReachingHold {
  hold: HoldRow;
  reach: Date;
  runs: RunTimes[];
}

/** The runs holds reach, as runs they held: a change that keeps one at its start and end does not bring it under its hold. */
const reachedRuns = (reached: readonly ReachingHold[]): HeldRun[] => reached.flatMap(({ hold, runs }) => runs.map((run) => ({ hold_id: hold.id, kind: 'held' as const, ...run })));

/** The starts and ends of the runs `holdId` held (flagged ones aside), as two query parameters (NOT_HELD_ALREADY's). */
function heldTimes(heldAlready: readonly HeldRun[] | undefined, holdId: string): [Date[], Date[]] {
  const held = (heldAlready ?? []).filter((run) => run.hold_id === holdId && run.kind === 'held');
  return [held.map((run) => run.starts_at), held.map((run) => run.ends_at)];
}

/** Whether occurrence `table` is none of the runs heldTimes gives as parameters $`first` and the next. */
const NOT_HELD_ALREADY = (table: string, first: number) =>
  `NOT EXISTS (SELECT 1 FROM unnest($${first}::timestamptz[], $${first + 1}::timestamptz[]) AS held(starts_at, ends_at) WHERE held.starts_at = ${table}.starts_at AND held.ends_at = ${table}.ends_at)`;

/** A window's times, as a request or a stored row gives them. */
type WindowTimes = { startsAt: string; endsAt: string; plannedZone: string; recurrence?: string; exdates?: string[] };

type IndexedReading = ExdateReading & { index: number };

/** How many exdates naming no run a refusal's detail names. */
const EXDATES_SAID = 5;

/** What to say of an exdate that names no run: the run nearest it, in UTC and in the planned zone. */
function nearestRun(reading: ExdateReading, zone: string): string {
  if (!reading.nearest) return 'names no run: the rule gives none';
  const at = reading.nearest.start;
  return `names no run; the nearest starts ${at.toISOString().slice(0, 19)}Z (${DateTime.fromJSDate(at, { zone }).toFormat("yyyy-MM-dd'T'HH:mm")} in ${zone})`;
}

/**
 * An exdate that names no run, for a refusal's detail: what the zone's clocks read it as, with their
 * offset (an instant computed with the offset of the other side of a change reads an hour off), or
 * that they skip or repeat that local time, and the run nearest it.
 */
function astrayInWords(reading: ExdateReading, zone: string): string {
  const nearest = reading.nearest ? `; the nearest starts ${reading.nearest.start.toISOString().slice(0, 19)}Z (${localWithOffset(reading.nearest.start, zone)}${readsAsUtc(zone) ? ` in ${zone}` : ''})` : ': the rule gives none';
  if (readsAsUtc(zone)) return `${reading.exdate} names no run${nearest}`;
  if (reading.exdate.endsWith('Z')) return `${reading.exdate} (${localWithOffset(reading.instant, zone)} in ${zone}) names no run${nearest}`;
  const amiss = localTimeAmiss(reading.exdate, zone);
  if (!amiss) return `${reading.exdate} (${localWithOffset(reading.instant, zone).slice(16)} in ${zone}) names no run${nearest}`;
  return `${reading.exdate} names no run: ${amiss.words}, ${amiss.skipped ? 'so it is read as' : 'and a local exdate names the first,'} ${localWithOffset(reading.instant, zone)}${nearest}`;
}

/** What cancelled a run: its window's cancellation, the window's exdates, or a move of the window whose new runs replaced it. */
type RunCancelledBy = 'window' | 'exdates' | 'replan';

/** The runs a change of exdates alone cancelled and brought back, by number. */
interface DatesChanged {
  cancelled: number[];
  reinstated: number[];
}

/** A link of a run a change of times replanned, with that run's times. */
interface ReplannedLink {
  hold_id: string;
  held_at: Date;
  released_at: Date | null;
  overridden_by: string | null;
  override_reason: string | null;
  overridden_at: Date | null;
  starts_at: Date;
  ends_at: Date;
}

/** The overrides of replanned runs, written again for the new runs at the same start and end. */
async function keepOverrides(tx: EntityManager, windowId: string, links: readonly ReplannedLink[]): Promise<void> {
  const overrides = links.filter((link) => link.overridden_by !== null);
  if (overrides.length === 0) return;
  await tx.query(
    `INSERT INTO hold_occurrence (hold_id, window_id, number, kind, in_progress, held_at, released_at, overridden_by, override_reason, overridden_at, run_starts_at)
     SELECT t.hold_id, o.window_id, o.number, 'held', false, t.held_at, t.released_at, t.overridden_by, t.override_reason, t.overridden_at, o.starts_at
       FROM unnest($2::uuid[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
         AS t(hold_id, held_at, released_at, overridden_by, override_reason, starts_at, ends_at, overridden_at)
       JOIN occurrence o ON o.window_id = $1 AND o.starts_at = t.starts_at AND o.ends_at = t.ends_at AND o.status = 'scheduled'
     ON CONFLICT DO NOTHING`,
    [
      windowId,
      overrides.map((link) => link.hold_id),
      overrides.map((link) => link.held_at),
      overrides.map((link) => link.released_at),
      overrides.map((link) => link.overridden_by),
      overrides.map((link) => link.override_reason),
      overrides.map((link) => link.starts_at),
      overrides.map((link) => link.ends_at),
      overrides.map((link) => link.overridden_at),
    ],
  );
}

/** Where a window ends when it starts at `start`, as long as it is. */
function endWithStartAt(row: WindowRow, start: Date): Date {
  return new Date(start.getTime() + row.ends_at.getTime() - row.starts_at.getTime());
}

/** A link a change let go, with its run's times then: a replan deletes the run before the release is on the trail. */
type LetGoLink = TouchedOccurrence & { hold_id: string; starts_at: Date; ends_at: Date };

/**
 * The holds let go of a window's runs (those numbered, or all): a change of their times or of the
 * window's footprint or policy, before the holds in force hold them again where they now fall. An
 * override stays: it lets the run through whatever its time.
 */
async function letGoOfRuns(tx: EntityManager, windowId: string, at: Date, numbers?: readonly number[]): Promise<LetGoLink[]> {
  return rowsOf<LetGoLink>(
    await tx.query(
      `UPDATE hold_occurrence l SET released_at = $2 FROM occurrence o
        WHERE l.window_id = $1 AND ($3::int[] IS NULL OR l.number = ANY($3::int[])) AND l.released_at IS NULL AND l.overridden_by IS NULL AND o.window_id = l.window_id AND o.number = l.number
       RETURNING l.hold_id, l.window_id, l.number, l.kind, l.in_progress, o.starts_at, o.ends_at`,
      [windowId, at, numbers ?? null],
    ),
  );
}

/**
 * Links no override outlives, let go with their overrides: those of runs an exdate cancelled (brought
 * back, a run is judged as one planned anew, refused in a hold unless overridden again), or of holds
 * none of whose regions the window's footprint still covers (the hold no longer concerns it, and its
 * count and release would name a window it does not hold).
 */
async function letGoForGood(
  tx: EntityManager,
  windowId: string,
  at: Date,
  which: { runs: readonly number[] } | { holdsOffFootprint: true },
): Promise<LetGoLink[]> {
  const runs = 'runs' in which ? which.runs : null;
  return rowsOf<LetGoLink>(
    await tx.query(
      `UPDATE hold_occurrence l SET released_at = $2, overridden_by = NULL, override_reason = NULL, overridden_at = NULL
         FROM hold h, maintenance_window w, occurrence o
        WHERE l.window_id = $1 AND l.released_at IS NULL AND h.id = l.hold_id AND w.id = l.window_id AND o.window_id = l.window_id AND o.number = l.number
          AND ($3::int[] IS NULL OR l.number = ANY($3::int[])) AND ($3::int[] IS NOT NULL OR NOT (w.footprint_global OR w.footprint_regions && h.regions))
       RETURNING l.hold_id, l.window_id, l.number, l.kind, l.in_progress, o.starts_at, o.ends_at`,
      [windowId, at, runs],
    ),
  );
}

/** Runs by number and start, as the trail names them: a later change of the window's times numbers its runs anew. */
async function datedRuns(tx: EntityManager, windowId: string, numbers: readonly number[]): Promise<{ number: number; startsAt: string }[]> {
  const runs = rowsOf<{ number: number; starts_at: Date }>(await tx.query('SELECT number, starts_at FROM occurrence WHERE window_id = $1 AND number = ANY($2::int[]) ORDER BY number', [windowId, numbers]));
  return runs.map((run) => ({ number: run.number, startsAt: run.starts_at.toISOString() }));
}

/** The highest number a window's runs have had (0 for none): a new run is numbered after it, never taking a number another run had. */
async function lastRunNumber(tx: EntityManager, windowId: string): Promise<number> {
  const [{ last }] = rowsOf<{ last: number }>(await tx.query('SELECT COALESCE(max(number), 0)::int AS last FROM occurrence WHERE window_id = $1', [windowId]));
  return last;
}

/** One multi-row insert for a window's occurrences, numbered from `first`. */
async function insertOccurrences(tx: EntityManager, windowId: string, occurrences: readonly { start: Date; end: Date }[], first: number): Promise<void> {
  if (occurrences.length === 0) return;
  await tx.query(
    `INSERT INTO occurrence (window_id, number, starts_at, ends_at, status)
     SELECT $1, n, s, e, 'scheduled' FROM unnest($2::int[], $3::timestamptz[], $4::timestamptz[]) AS t(n, s, e) ON CONFLICT DO NOTHING`,
    [windowId, occurrences.map((_, index) => first + index), occurrences.map((occurrence) => occurrence.start), occurrences.map((occurrence) => occurrence.end)],
  );
}

function changedFields(row: WindowRow, request: UpdateWindowRequest): WindowField[] {
  // Key order is no change: jsonb gives keys back sorted, not in the order they were sent.
  const same = (a: unknown, b: unknown) => isDeepStrictEqual(a ?? null, b ?? null);
  // Nor is the order regions are named in.
  const footprintOf = (footprint: { global: boolean; regions: readonly string[]; shares?: Record<string, number> | null }) => ({
    global: footprint.global,
    regions: [...footprint.regions].sort(),
    shares: footprint.shares ?? null,
  });
  const changes: WindowField[] = [];
  if (request.title !== undefined && request.title !== row.title) changes.push('title');
  if (request.ownerTeam !== undefined && request.ownerTeam !== row.owner_team) changes.push('ownerTeam');
  if (request.footprint !== undefined && !same(footprintOf(request.footprint), footprintOf({ global: row.footprint_global, regions: row.footprint_regions, shares: row.footprint_shares }))) {
    changes.push('footprint');
  }
  if (request.startsAt !== undefined && Date.parse(request.startsAt) !== row.starts_at.getTime()) changes.push('startsAt');
  if (request.endsAt !== undefined && Date.parse(request.endsAt) !== row.ends_at.getTime()) changes.push('endsAt');
  // Spelling alone is no change: the request's name is canonical, and a row written before names were may not be.
  if (request.plannedZone !== undefined && request.plannedZone !== canonicalZoneName(row.planned_zone)) changes.push('plannedZone');
  // So is a rule's: a row written before rules were canonical may spell the one sent otherwise.
  if (request.recurrence !== undefined && (request.recurrence ?? null) !== (row.recurrence === null ? null : canonicalRecurrenceRule(row.recurrence))) changes.push('recurrence');
  if (request.exdates !== undefined && !same(request.exdates, row.exdates)) changes.push('exdates');
  if (request.priority !== undefined && request.priority !== row.priority) changes.push('priority');
  if (request.surgePolicy !== undefined && request.surgePolicy !== row.surge_policy) changes.push('surgePolicy');
  if (request.flexibility !== undefined && !same(request.flexibility, row.flexibility)) changes.push('flexibility');
  return changes;
}

