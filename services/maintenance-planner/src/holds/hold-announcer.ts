import { createEvent, type CreateEventOptions, type HoldfastEvent, type HoldPeriodLocalTime, type HoldWindow, type Occurrence } from '@holdfast/contracts';
import { prepared } from '@holdfast/database';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { EventLoopTurns } from '../event-loop-turns';
import { LocalTimes } from '../regions/local-times';
import { SERVICE_NAME } from '../service-name';
import { heldByActiveHold, occurrenceColumns, type OccurrenceRow, occurrenceView, readerRegions, windowColumns, type WindowRow, windowSnapshot } from '../windows/window-record';
import { type HoldRow, type LetThrough, letThroughReason } from './hold-record';

/**
 * windowStatusOf for window `w` as a hold's events read it (whether it is held), asked through that
 * window's own occurrences (a scheduled one an active hold holds): the same answer. windowStatusOf's EXISTS may be planned as one hashed join of
 * every hold link with every scheduled occurrence, as it was on a young database whose tables had
 * no statistics yet (3-16 ms for two windows after 220 holds, growing with each hold). Behind a
 * LIMIT the subquery cannot be turned into that join: it stays a probe per window (under 0.1 ms).
 */
const HELD_THROUGH_OCCURRENCES = `CASE WHEN w.status IN ('scheduled', 'needs-reschedule') AND EXISTS (SELECT 1 FROM
    (SELECT 1 FROM occurrence held WHERE held.window_id = w.id AND held.status = 'scheduled' AND ${heldByActiveHold('held')} LIMIT 1) probe)
  THEN 'held' ELSE w.status END`;

/** A run whose hold let go of it after its time began, moved to its proposed slot. */
export interface AutomaticMove {
  windowId: string;
  previous: { startsAt: string; endsAt: string };
  slot: NonNullable<OccurrenceRow['proposed_slot']>;
  occurrence: OccurrenceRow;
}

/** How many windows a hold event lists in full; window.* events carry every one. */
export const HOLD_EVENT_WINDOW_LIMIT = 200;

/** How many window ids a hold event names (windowIds, notifyOnlyWindowIds). */
export const HOLD_EVENT_WINDOW_IDS = 1000;

// The windows a hold event can list, held ones first (holdWindows' order): a surge over 30,000
// windows read every one of them and their occurrences to list 200.
const LISTABLE_PLACED_WINDOWS = `SELECT p.id FROM maintenance_window p WHERE p.id IN (SELECT window_id FROM hold_occurrence WHERE hold_id = $1)
  ORDER BY p.surge_policy = 'notify-only', p.starts_at, p.id LIMIT ${HOLD_EVENT_WINDOW_LIMIT}`;

/** The windows whose ids `ids` (a condition on `w.id`) names, as a hold's events read them, in the order they are announced. */
export const announcedWindowsWhere = (ids: string): string =>
  `SELECT ${windowColumns('w', HELD_THROUGH_OCCURRENCES)} FROM maintenance_window w WHERE ${ids} ORDER BY w.starts_at, w.id`;

// A hold's links (`l`) and their runs (`o`).
const LINKED_RUNS = 'hold_occurrence l JOIN occurrence o ON o.window_id = l.window_id AND o.number = l.number';

/**
 * Whether a link (`link`, a hold_occurrence row) held its run, so that its window was told window.held by the hold: not
 * let through, or let through only after it held (an override's link made for a window planned or changed into the hold
 * is held and let through at the same instant: it never held). The runs an override's window.released names.
 */
export const heldItsRun = (link: string): string => `(${link}.overridden_by IS NULL OR ${link}.overridden_at > ${link}.held_at)`;

/** The runs of the links (hold_occurrence `l`) `condition` picks, each with its link's flags, in start order. */
export const linkedRunsWhere = (condition: string): string =>
  `SELECT ${occurrenceColumns('o')}, l.kind AS link_kind, l.in_progress AS link_in_progress FROM ${LINKED_RUNS} WHERE ${condition} ORDER BY o.starts_at`;

/**
 * linkedRunsWhere, each window's first `perWindow` runs in start order: a window event lists no more
 * than WINDOW_EVENT_OCCURRENCE_LIMIT, and one run past them tells it that it lists fewer than it has.
 * A large hold's hourly windows have 1,440 runs each; the rest were parsed, with the status readers
 * see (a probe of the run's links each), only to be left out. The status is read after the cut.
 */
export const leadingLinkedRunsWhere = (condition: string, perWindow: number): string =>
  `SELECT ${occurrenceColumns('o')}, o.link_kind, o.link_in_progress
     FROM (SELECT o.*, l.kind AS link_kind, l.in_progress AS link_in_progress, row_number() OVER (PARTITION BY l.window_id ORDER BY o.starts_at, o.number) AS place
             FROM ${LINKED_RUNS} WHERE ${condition}) o
    WHERE o.place <= ${perWindow} ORDER BY o.starts_at, o.number`;

// Not prepared: a call may name two windows or thousands.
const LOAD_WINDOWS = announcedWindowsWhere('w.id = ANY($1::uuid[])');
const READ_PLACED_WINDOWS = prepared(announcedWindowsWhere(`w.id IN (${LISTABLE_PLACED_WINDOWS})`));
const READ_PLACED_OCCURRENCES = prepared(linkedRunsWhere(`l.hold_id = $1 AND l.window_id IN (${LISTABLE_PLACED_WINDOWS})`));

/** How many occurrences a window.* event lists. */
export const WINDOW_EVENT_OCCURRENCE_LIMIT = 1000;

/**
 * Occurrences the events of a large hold's windows list before the event loop is let run
 * (HoldAnnouncer.inTurns). 250 while a payment's reads were slow; with them cheaper, the same
 * turns came closer together and one gate caller's p99 rose (39-50 ms against 30-44).
 */
export const OCCURRENCES_A_TURN = 100;

/**
 * Bytes of JSON an event's list (a hold's windows, a window's occurrences) may take. Kafka refuses
 * a message over 1 MiB by default and consumers dead-letter one over KAFKA_MAX_MESSAGE_BYTES (the
 * same): 200 hourly windows of 100 occurrences each in three regions came to 11.6 MB, and a refused
 * message stops its outbox's relay, which retries it to keep order. With this, an event stays under
 * half of the limit.
 */
export const EVENT_LIST_BYTES = 384 * 1024;

/**
 * The views of the leading items, at most `max` of them and no more than `budget` bytes of JSON in
 * all, and whether any were left out. Items are turned into views only until the list is full.
 */
export function listWithin<T, V>(items: readonly T[], max: number, view: (item: T) => V, budget = EVENT_LIST_BYTES): { listed: V[]; truncated: boolean } {
  const list = new ListWithin(max, view, budget);
  list.add(items, 0, items.length);
  return list.of(items);
}

/** listWithin's list built a range of items at a time, so that the event loop can run between ranges. */
export class ListWithin<T, V> {
  private readonly listed: V[] = [];
  private bytes = 2;
  private full = false;

  constructor(
    private readonly max: number,
    private readonly view: (item: T) => V,
    private readonly budget = EVENT_LIST_BYTES,
  ) {}

  /** The views of items[from, to) that fit; false once the list is full, so that no later item is viewed. */
  add(items: readonly T[], from: number, to: number): boolean {
    for (let index = from; index < to && !this.full; index++) {
      if (this.listed.length === this.max) {
        this.full = true;
        break;
      }
      const next = this.view(items[index]);
      this.bytes += Buffer.byteLength(JSON.stringify(next)) + 1;
      if (this.bytes > this.budget) this.full = true;
      else this.listed.push(next);
    }
    return !this.full;
  }

  /** The list of `items` (every one of them given to add, or the list full), and whether any were left out. */
  of(items: readonly T[]): { listed: V[]; truncated: boolean } {
    return { listed: this.listed, truncated: this.listed.length < items.length };
  }
}

export interface TouchedOccurrence {
  window_id: string;
  number: number;
  kind: 'held' | 'notify-only';
  in_progress: boolean;
  /** Who let the run through the hold with an override, and why; absent or null when the link holds it. */
  overridden_by?: string | null;
  override_reason?: string | null;
}

/** A run of a window a hold touches, with its link's flags. */
export interface TouchedRun {
  row: OccurrenceRow;
  kind: 'held' | 'notify-only';
  inProgress: boolean;
  /** Set when an override let the run through the hold (a link read with who and why: load's). */
  letThrough?: LetThrough;
}

export interface TouchedWindow {
  row: WindowRow;
  occurrences: TouchedRun[];
}

/** The occurrences a window.* event lists, and whether it leaves some out. */
export type ListedOccurrences = { occurrences: Occurrence[]; occurrencesTruncated?: true };

const listedOccurrences = ({ listed, truncated }: { listed: Occurrence[]; truncated: boolean }): ListedOccurrences =>
  truncated ? { occurrences: listed, occurrencesTruncated: true } : { occurrences: listed };

/** A hold's window events of one kind: which windows are told, and the event of each, given the occurrences it lists. */
export interface WindowAnnouncement {
  /** The regions a global window's local times are given in: the hold's. */
  holdRegions: readonly string[];
  announces(window: TouchedWindow): boolean;
  event(window: TouchedWindow, listed: ListedOccurrences): HoldfastEvent;
}

/**
 * Builds the events of a hold transition from the planner's tables: every window and occurrence a
 * notifier needs to write its message (titles, owners, local times, in-progress and notify-only
 * flags), so no reader has to ask the planner.
 */
@Injectable()
export class HoldAnnouncer {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly localTimes: LocalTimes,
  ) {}

  async load(tx: EntityManager, touched: readonly TouchedOccurrence[]): Promise<TouchedWindow[]> {
    if (touched.length === 0) return [];
    const windowIds = [...new Set(touched.map((entry) => entry.window_id))];
    // Both reads in one round trip (the connection pipelines them).
    const [windows, occurrences] = (await Promise.all([
      tx.query(LOAD_WINDOWS, [windowIds]),
      tx.query(
        `SELECT ${occurrenceColumns('o')} FROM occurrence o JOIN unnest($1::uuid[], $2::int[]) AS t(window_id, number) ON o.window_id = t.window_id AND o.number = t.number ORDER BY o.starts_at`,
        [touched.map((entry) => entry.window_id), touched.map((entry) => entry.number)],
      ),
    ])) as [WindowRow[], OccurrenceRow[]];
    return this.assemble(touched, windows, occurrences);
  }

  /**
   * The windows a hold placed in this transaction holds that its hold.placed can list (every held
   * one when it holds no more than HOLD_EVENT_WINDOW_LIMIT), read through its links (all of them made
   * by its fan-out), so the reads can be issued with the fan-out itself, in the same round trip.
   */
  async readPlaced(tx: EntityManager, holdId: string): Promise<TouchedWindow[]> {
    return this.readLinked(tx, READ_PLACED_WINDOWS, READ_PLACED_OCCURRENCES, [holdId]);
  }

  /**
   * The windows `windowsSql` reads (announcedWindowsWhere), each with the runs `runsSql` reads
   * (linkedRunsWhere), both given `parameters`: issued together, so they share one round trip.
   */
  async readLinked(tx: EntityManager, windowsSql: string, runsSql: string, parameters: unknown[]): Promise<TouchedWindow[]> {
    const [windows, runs] = (await Promise.all([tx.query(windowsSql, parameters), tx.query(runsSql, parameters)])) as [
      WindowRow[],
      (OccurrenceRow & { link_kind: TouchedOccurrence['kind']; link_in_progress: boolean })[],
    ];
    const byWindow = new Map<string, TouchedWindow>(windows.map((row) => [row.id, { row, occurrences: [] }]));
    // Each run kept as read, its link's flags with it: a large hold's payments read a million runs, and a copy of each without them was garbage at once.
    for (const row of runs) byWindow.get(row.window_id)?.occurrences.push({ row, kind: row.link_kind, inProgress: row.link_in_progress });
    return [...byWindow.values()];
  }

  assemble(touched: readonly TouchedOccurrence[], windows: readonly WindowRow[], occurrences: readonly OccurrenceRow[]): TouchedWindow[] {
    if (touched.length === 0) return [];
    const byWindow = new Map<string, TouchedWindow>(windows.map((row) => [row.id, { row, occurrences: [] }]));
    // By window, then number: a placement touches every run of every window (34,000 of 2,333 global
    // windows in one region) and lists 200 of them, and a key string per run was most of what it took.
    const flags = new Map<string, Map<number, TouchedOccurrence>>(windows.map((row) => [row.id, new Map()]));
    for (const entry of touched) flags.get(entry.window_id)?.set(entry.number, entry);
    for (const occurrence of occurrences) {
      const window = byWindow.get(occurrence.window_id);
      if (!window) continue;
      const flag = flags.get(occurrence.window_id)!.get(occurrence.number)!;
      window.occurrences.push({ row: occurrence, kind: flag.kind, inProgress: flag.in_progress, letThrough: letThroughOf(flag.overridden_by, flag.override_reason) });
    }
    return [...byWindow.values()];
  }

  /** The windows a hold event lists, and whether it lists fewer than `windowCount`, all the hold touched (those given, unless only some were read). */
  holdWindows(windows: readonly TouchedWindow[], holdRegions: readonly string[], windowCount = windows.length): { windows: HoldWindow[]; windowsTruncated: boolean } {
    // Held ones first: they are what an owner must act on.
    const ordered = [...windows].sort((a, b) => Number(a.row.surge_policy === 'notify-only') - Number(b.row.surge_policy === 'notify-only'));
    const { listed } = listWithin(ordered, HOLD_EVENT_WINDOW_LIMIT, (window) => this.holdWindow(window, holdRegions));
    return { windows: listed, windowsTruncated: listed.length < Math.max(windowCount, windows.length) };
  }

  /** The occurrences a window.* event of this window lists, held ones as touched, and whether it lists them all. */
  occurrencesOf(window: TouchedWindow, holdRegions: readonly string[]): ListedOccurrences {
    return listedOccurrences(listWithin(window.occurrences, WINDOW_EVENT_OCCURRENCE_LIMIT, this.occurrenceViewOf(window, holdRegions)));
  }

  /**
   * occurrencesOf, OCCURRENCES_A_TURN runs at a time, each range after `turns` lets the event loop run
   * if its turn is full: a window's 1,000 runs viewed in one block held the main thread 10-17 ms.
   */
  async occurrencesInTurns(window: TouchedWindow, holdRegions: readonly string[], turns: EventLoopTurns): Promise<ListedOccurrences> {
    const list = new ListWithin(WINDOW_EVENT_OCCURRENCE_LIMIT, this.occurrenceViewOf(window, holdRegions));
    const listable = Math.min(window.occurrences.length, WINDOW_EVENT_OCCURRENCE_LIMIT);
    for (let from = 0; from < listable; from += OCCURRENCES_A_TURN) {
      const to = Math.min(from + OCCURRENCES_A_TURN, listable);
      await turns.before(to - from);
      if (!list.add(window.occurrences, from, to)) break;
    }
    return listedOccurrences(list.of(window.occurrences));
  }

  private occurrenceViewOf(window: TouchedWindow, holdRegions: readonly string[]): (entry: TouchedRun) => Occurrence {
    const regions = readerRegions(window.row, holdRegions);
    return (entry) => occurrenceView(entry.row, regions, this.localTimes, entry.inProgress);
  }

  holdWindow(window: TouchedWindow, holdRegions: readonly string[]): HoldWindow {
    const regions = readerRegions(window.row, holdRegions);
    return {
      windowId: window.row.id,
      title: window.row.title,
      ownerTeam: window.row.owner_team,
      priority: window.row.priority,
      surgePolicy: window.row.surge_policy,
      notifyOnly: window.row.surge_policy === 'notify-only',
      plannedZone: window.row.planned_zone,
      occurrences: window.occurrences.slice(0, 100).map((entry) => occurrenceView(entry.row, regions, this.localTimes, entry.inProgress)),
    };
  }

  periodLocalTimes(hold: Pick<HoldRow, 'regions' | 'from_at' | 'until_at'>): HoldPeriodLocalTime[] {
    return hold.regions.map((region) => {
      const end = hold.until_at ?? new Date(hold.from_at.getTime() + 60_000);
      const [local] = this.localTimes.of(hold.from_at, end, [region]);
      return {
        region,
        zone: local.zone,
        fromLocal: local.startsAtLocal,
        ...(hold.until_at ? { untilLocal: local.endsAtLocal } : {}),
        offset: local.offset,
        ...(hold.until_at && local.endOffset ? { untilOffset: local.endOffset } : {}),
      };
    });
  }

  /**
   * A released hold's period as it was in force: from its start to its release, whatever end it was placed with (a surge's
   * is an estimate, or none). A hold declared ahead and released before it began ends where it begins, never before.
   */
  releasedPeriodLocalTimes(hold: Pick<HoldRow, 'regions' | 'from_at'>, releasedAt: Date): HoldPeriodLocalTime[] {
    if (releasedAt > hold.from_at) return this.periodLocalTimes({ ...hold, until_at: releasedAt });
    return this.periodLocalTimes({ ...hold, until_at: null }).map((line) => ({ ...line, untilLocal: line.fromLocal, untilOffset: line.offset }));
  }

  /** window.held for every window with an occurrence this hold now holds. */
  windowHeldEvents(hold: HoldRow, windows: readonly TouchedWindow[], options: CreateEventOptions): HoldfastEvent[] {
    const held = this.heldAnnouncement(hold, options);
    return windows.flatMap((window) => this.announced(held, window) ?? []);
  }

  /** The window.held events of `hold`: told to a window with an occurrence it now holds, not to one it only flags or does not hold. */
  heldAnnouncement(hold: HoldRow, options: CreateEventOptions): WindowAnnouncement {
    return {
      holdRegions: hold.regions,
      announces: (window) => window.row.surge_policy !== 'notify-only' && window.row.status === 'held',
      event: (window, listed) =>
        createEvent(
          'window.held',
          { ...windowSnapshot(window.row, this.localTimes, hold.regions), status: 'held', holdId: hold.id, holdRegions: hold.regions, holdReason: hold.reason, ...listed },
          { ...options, subject: window.row.id },
        ),
    };
  }

  /**
   * The window.released events of `hold`: told to a window whose occurrences it held, as it is now:
   * still held (by another hold) or needing a new slot if so, scheduled otherwise; not to a window it only flagged.
   * Why the hold let go is its release's reason, unless every run it held was let through by an override (told at the
   * override that let the last one through): then who let them through and why.
   */
  releasedAnnouncement(hold: HoldRow, options: CreateEventOptions): WindowAnnouncement {
    return {
      holdRegions: hold.regions,
      announces: (window) => window.row.surge_policy !== 'notify-only' && window.occurrences.some((entry) => entry.kind === 'held'),
      event: (window, listed) => {
        const status = window.row.status === 'held' || window.row.status === 'needs-reschedule' ? window.row.status : 'scheduled';
        const proposedSlots = window.occurrences.flatMap((entry) => (entry.row.proposed_slot && entry.row.status === 'needs-reschedule' ? [entry.row.proposed_slot] : []));
        return createEvent(
          'window.released',
          {
            ...this.windowSnapshotOf(window.row, hold.regions),
            status,
            holdId: hold.id,
            ...this.releasedReason(hold, window),
            ...(proposedSlots.length ? { proposedSlots } : {}),
            ...listed,
          },
          { ...options, subject: window.row.id },
        );
      },
    };
  }

  private releasedReason(hold: HoldRow, window: TouchedWindow): { holdReason?: string } {
    const held = window.occurrences.filter((entry) => entry.kind === 'held');
    if (held.length > 0 && held.every((entry) => entry.letThrough)) return { holdReason: letThroughReason(held.map((entry) => entry.letThrough!)) };
    return hold.release_reason ? { holdReason: hold.release_reason } : {};
  }

  /**
   * The events `announcement` makes of each window, in order, letting the event loop run once
   * OCCURRENCES_A_TURN occurrences have been listed since the last turn, within a window as between
   * windows (occurrencesInTurns): a window lists up to WINDOW_EVENT_OCCURRENCE_LIMIT of them, each
   * with its local times, and a hundred windows built in one block kept the gate and every other
   * request waiting for it.
   */
  async inTurns(windows: readonly TouchedWindow[], announcement: WindowAnnouncement): Promise<HoldfastEvent[]> {
    const events: HoldfastEvent[] = [];
    const turns = new EventLoopTurns(OCCURRENCES_A_TURN);
    for (const window of windows) {
      if (announcement.announces(window)) events.push(announcement.event(window, await this.occurrencesInTurns(window, announcement.holdRegions, turns)));
    }
    return events;
  }

  /** The event `announcement` makes of `window`, built in one block; null for a window it does not tell. */
  announced(announcement: WindowAnnouncement, window: TouchedWindow): HoldfastEvent | null {
    return announcement.announces(window) ? announcement.event(window, this.occurrencesOf(window, announcement.holdRegions)) : null;
  }

  /** window.rescheduled for a run moved automatically to its proposed slot (its owner allowed automatic moves), saying why. */
  windowRescheduledEvent(row: WindowRow, move: AutomaticMove, holdRegions: readonly string[], reason: string, options: CreateEventOptions): HoldfastEvent {
    return createEvent(
      'window.rescheduled',
      {
        ...this.windowSnapshotOf(row, holdRegions),
        status: 'scheduled',
        previous: move.previous,
        chosenSlot: move.slot,
        automatic: true,
        reason,
        occurrences: [this.occurrenceOf(row, move.occurrence, holdRegions, false)],
      },
      { ...options, subject: row.id },
    );
  }

  windowSnapshotOf(row: WindowRow, holdRegions: readonly string[]) {
    return windowSnapshot(row, this.localTimes, holdRegions);
  }

  occurrenceOf(window: WindowRow, occurrence: OccurrenceRow, holdRegions: readonly string[], inProgress?: boolean) {
    return occurrenceView(occurrence, readerRegions(window, holdRegions), this.localTimes, inProgress);
  }

  /** A transaction's events in one outbox call, so the writer takes all their key locks at once, in one order. */
  async publish(tx: EntityManager, events: readonly HoldfastEvent[]): Promise<void> {
    await this.messaging.outbox.addAll(tx, events);
  }

  source(): string {
    return SERVICE_NAME;
  }
}

/** Who let a run through and why, from its link; undefined for a link that holds it. */
function letThroughOf(by: string | null | undefined, reason: string | null | undefined): LetThrough | undefined {
  return by ? { by, reason: reason ?? '' } : undefined;
}
