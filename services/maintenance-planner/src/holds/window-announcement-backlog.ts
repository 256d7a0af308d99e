import type { CreateEventOptions, HoldfastEvent } from '@holdfast/contracts';
import { afterCommit, answeredAtCommit, prepared, withoutStatementValues } from '@holdfast/database';
import { KEY_LOCKS_PER_CALL } from '@holdfast/messaging';
import { Clock } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { announcedWindowsWhere, HoldAnnouncer, leadingLinkedRunsWhere, linkedRunsWhere, type TouchedOccurrence, WINDOW_EVENT_OCCURRENCE_LIMIT } from './hold-announcer';
import { HOLD_COLUMNS, type HoldRow } from './hold-record';

/**
 * Windows announced per transaction. A hold that holds no more windows than this announces them
 * (window.held, window.released) in the transaction that places or releases it; a larger one
 * commits first and owes them, written after it this many windows a transaction. Placing a surge
 * over 30,961 windows took 8.8 s with its window.held events, most of it building and writing them,
 * and the gate answers 423 only once the hold commits; releasing one over 30,000 took 6.9 s, and
 * over 100 keys the outbox locks out every other writer until commit (other holds waited up to
 * 3.1 s). At KEY_LOCKS_PER_CALL keys (100) the outbox still locks key by key, and a window event's
 * key is its window, so the transactions that pay the debt never hold back the planner's other
 * writers, a new surge's hold among them.
 */
export const WINDOWS_PER_ANNOUNCEMENT = KEY_LOCKS_PER_CALL;

export type AnnouncementKind = 'held' | 'released';

// Below every window id: where a hold's announcements start.
const NO_WINDOW = '00000000-0000-0000-0000-000000000000';

/**
 * The next `$4` windows after `$3` in id order (all of them when `$4` is NULL) whose links the
 * announcement is about: for window.held, those the hold's placement made (held_at is its
 * placed_at) and still has; a link made or made again later (an extension, a window planned or
 * changed under the hold) was announced by what made it. For window.released, those its release
 * let go (released_at is the hold's) and had held, not let through by an override (a window all of
 * whose runs were is not told it was released, as a small hold's release says: one never held was
 * never told held, and one told held was told released by the override); one let go earlier
 * (the window moved or changed) was announced then. They are ordered by released_at, one value in
 * either kind, before the window: `released_at IS NULL` does not tell the planner the index of
 * (hold_id, released_at, window_id) is in window order past it, and ordered by the window alone each
 * payment read the hold's links left and sorted them (16-44 ms at 26,893 links).
 */
type LinkFilter = (links: string) => string;
const owedWindowIds = (at: 'held_at' | 'released_at', inForce: LinkFilter) => `SELECT DISTINCT c.released_at, c.window_id FROM hold_occurrence c
  WHERE c.hold_id = $1 AND c.${at} = $2 ${inForce('c')} AND c.window_id > $3::uuid ORDER BY c.released_at, c.window_id LIMIT $4`;

/**
 * The payment's windows, and their runs with their links' flags, read where the links are rather
 * than sent back as arrays of the links read first: one round trip fewer a payment, and PostgreSQL
 * joins a payment's 500-3,500 links to their runs by the runs' key, where the runs matched to
 * arrays were planned as a hash of every run there is (49,640: 30 of the statement's 52 ms). The
 * runs are one range of the hold's index, up to the last of the next windows: every link past the
 * cursor up to there is of one of them. window.held reads only the runs its events can list
 * (leadingLinkedRunsWhere); window.released reads them all, for the slots it proposes and whether
 * the hold held any run of the window.
 */
const owedSql = (at: 'held_at' | 'released_at', inForce: LinkFilter, runsWhere: (links: string) => string) => {
  const links = `l.hold_id = $1 AND l.${at} = $2 ${inForce('l')} AND l.window_id > $3::uuid
    AND l.window_id <= (SELECT s.window_id FROM (${owedWindowIds(at, inForce)}) s ORDER BY s.window_id DESC LIMIT 1)`;
  return {
    windows: prepared(announcedWindowsWhere(`w.id = ANY (ARRAY(SELECT s.window_id FROM (${owedWindowIds(at, inForce)}) s))`)),
    runs: prepared(runsWhere(links)),
  };
};
const OWED: Record<AnnouncementKind, { windows: string; runs: string }> = {
  // A link let through before its window was told held is left out: that window is told neither held nor released (heldStillOwed).
  held: owedSql('held_at', (links) => `AND ${links}.released_at IS NULL AND ${links}.overridden_by IS NULL`, (links) => leadingLinkedRunsWhere(links, WINDOW_EVENT_OCCURRENCE_LIMIT + 1)),
  released: owedSql('released_at', (links) => `AND ${links}.overridden_by IS NULL`, linkedRunsWhere),
};

interface Debt {
  seq: string;
  kind: AnnouncementKind;
  announced_through: string | null;
  chain_causation_id: string | null;
  chain_correlation_id: string | null;
}

// The oldest debt, waited for while another transaction pays it: debts are paid one after another,
// in the order they were made, by whichever process gets there (so a window's events keep their order).
const OLDEST_DEBT = prepared(`SELECT a.seq, a.kind, a.announced_through, a.chain_causation_id, a.chain_correlation_id, ${HOLD_COLUMNS}
  FROM hold_announcement a JOIN hold ON hold.id = a.hold_id ORDER BY a.seq LIMIT 1 FOR UPDATE OF a`);
const DEBTS = prepared('SELECT count(*)::int AS debts FROM hold_announcement');
const HELD_DEBT = prepared(`SELECT a.seq, a.kind, a.announced_through, a.chain_causation_id, a.chain_correlation_id FROM hold_announcement a
  WHERE a.hold_id = $1 AND a.kind = 'held' FOR UPDATE`);
// Whether the hold ($1) still owes the window ($2) its window.held: a link its placement made and still has, not let through, past the
// debt's cursor. Read once the debt is locked (HELD_DEBT), so a payment in flight has committed its cursor first.
const WINDOW_HELD_OWED = prepared(`SELECT EXISTS (SELECT 1 FROM hold_announcement a JOIN hold ON hold.id = a.hold_id
    JOIN hold_occurrence l ON l.hold_id = a.hold_id AND l.window_id = $2 AND l.held_at = hold.placed_at AND l.released_at IS NULL AND l.overridden_by IS NULL
  WHERE a.hold_id = $1 AND a.kind = 'held' AND (a.announced_through IS NULL OR a.announced_through < $2::uuid)) AS owed`);

// A touched link's run's start, read by the run's key: one index probe a run, whatever the plan. Joined to occurrence instead,
// the placement's generic plan read and hashed every run there is (65,000 for a hold over 35,600 links), however few its hold's.
const RUN_START = '(SELECT o.starts_at FROM occurrence o WHERE o.window_id = l.window_id AND o.number = l.number)';

// One audit row per window of the links `links` gives (l: window_id, number, kind), naming the hold ($5): a window under
// two holds, one released by hand (the actor then a person), says which let go. Its runs are listed by number
// (occurrences) and, as runs, with their starts too: a replan numbers runs anew. `reason`, a parameter: the
// transition's reason, in details.reason as every entry's (left out when null).
const auditWindowsFrom = (links: string, startsAt = RUN_START, reason = 'NULL') =>
  answeredAtCommit(`INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, cause_event_id, details)
     SELECT 'window', l.window_id, $1, $2, $3, $4, jsonb_strip_nulls(jsonb_build_object('reason', ${reason}::text)) || jsonb_build_object('holdId', $5::uuid, 'occurrences', array_agg(l.number ORDER BY l.number),
              'runs', jsonb_agg(jsonb_build_object('number', l.number, 'startsAt', to_char(${startsAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')) ORDER BY l.number),
              'kind', min(l.kind))
       FROM ${links} GROUP BY l.window_id`);
// A run a change replanned is gone by the time its release is written: it comes with the start it had ($9).
const AUDIT_TOUCHED = auditWindowsFrom('unnest($6::uuid[], $7::int[], $8::text[], $9::timestamptz[]) AS l(window_id, number, kind, starts_at)', `COALESCE(l.starts_at, ${RUN_START})`, '$10');
// A hold's own links carry their runs' starts (run_starts_at), read there rather than probed run by run: on the placement of
// a hold over up to 100 windows, this makes up for the index its fan-out now writes (hold_occurrence_hold_run_start).
const AUDIT_PLACED_LINKS = auditWindowsFrom('hold_occurrence l WHERE l.hold_id = $5', 'l.run_starts_at');
// A payment's window.held links (OWED.held.runs' links: after the cursor $7, up to its last window $8).
const AUDIT_OWED_HELD = auditWindowsFrom('hold_occurrence l WHERE l.hold_id = $5 AND l.held_at = $6 AND l.released_at IS NULL AND l.window_id > $7::uuid AND l.window_id <= $8::uuid', 'l.run_starts_at');

/** One audit row per window touched of the hold's links (set-based: a surge may hold thousands); a run no longer stored comes with its start. */
export async function auditOccurrences(
  tx: EntityManager,
  holdId: string,
  touched: readonly (TouchedOccurrence & { starts_at?: Date })[],
  entry: { action: string; actor: string; at: Date; causeEventId?: string | null; reason?: string },
): Promise<void> {
  if (touched.length === 0) return;
  await tx.query(AUDIT_TOUCHED, [
    entry.action,
    entry.actor,
    entry.at,
    entry.causeEventId ?? null,
    holdId,
    touched.map((link) => link.window_id),
    touched.map((link) => link.number),
    touched.map((link) => link.kind),
    touched.map((link) => link.starts_at ?? null),
    entry.reason ?? null,
  ]);
}

/**
 * auditOccurrences for every link of a hold placed in this transaction, read where they are: the
 * placement counts its links in SQL (fanOutPlacedHold) and never has them in hand.
 */
export async function auditPlacedLinks(tx: EntityManager, holdId: string, entry: { actor: string; at: Date; causeEventId?: string | null }): Promise<void> {
  await tx.query(AUDIT_PLACED_LINKS, ['held', entry.actor, entry.at, entry.causeEventId ?? null, holdId]);
}

/**
 * The window events large holds still owe. A placement (or release) over more than
 * WINDOWS_PER_ANNOUNCEMENT windows records its debt with itself; once that commits, this process
 * pays the debts, oldest first, WINDOWS_PER_ANNOUNCEMENT windows a transaction, each advancing the
 * debt's cursor, and the sweep picks up whatever a stopped process left. A hold released before its
 * window.held events are all written settles them in the releasing transaction, ahead of its own.
 *
 * An owed event describes its window as it is when written: a window held again by a newer, small
 * hold meanwhile (announced in that hold's transaction) is announced released from the old hold
 * with its status held. An extension announces only the links it makes: a window it reaches again
 * is told of its new occurrences then, and of the placement's when their turn comes.
 */
@Injectable()
export class WindowAnnouncementBacklog implements OnApplicationShutdown {
  private readonly logger = new Logger(WindowAnnouncementBacklog.name);
  // The run paying debts in this process, so that a second wake-up joins it.
  private running?: Promise<number>;
  // A debt was made while the run was under way: it goes round once more rather than miss it.
  private again = false;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly announcer: HoldAnnouncer,
  ) {}

  /**
   * In the transaction placing (held) or releasing (released) the hold: its window events are owed,
   * and written once it commits, in `chain`: caused by the hold's hold.placed or hold.released.
   */
  async owe(tx: EntityManager, hold: HoldRow, kind: AnnouncementKind, chain: { correlationId: string; causationId: string }): Promise<void> {
    await tx.query(answeredAtCommit('INSERT INTO hold_announcement (hold_id, kind, owed_since, chain_causation_id, chain_correlation_id) VALUES ($1, $2, $3, $4, $5)'), [
      hold.id,
      kind,
      this.clock.now(),
      chain.causationId,
      chain.correlationId,
    ]);
    afterCommit(tx, () => void this.drain(), this);
  }

  /**
   * In the transaction releasing the hold: the window.held events it still owes, audited and
   * returned for the caller to publish ahead of its own (waiting for a batch in flight to commit first).
   */
  async settle(tx: EntityManager, hold: HoldRow): Promise<HoldfastEvent[]> {
    const [debt] = (await tx.query(HELD_DEBT, [hold.id])) as Debt[];
    if (!debt) return [];
    const { events } = await this.announce(tx, hold, debt, null);
    await tx.query(answeredAtCommit('DELETE FROM hold_announcement WHERE seq = $1'), [debt.seq]);
    return events;
  }

  /**
   * In a transaction about to let the window's runs through the hold (an override): whether the hold has not told the
   * window held yet (a placement over more than WINDOWS_PER_ANNOUNCEMENT windows, paid a batch at a time). The debt is
   * locked until the override commits, so no payment tells the window held meanwhile; once its runs are let through, no
   * payment tells it at all (OWED leaves such links out), and the override tells it nothing either. Paying the debt here
   * instead put up to the whole hold's window events in one override's transaction.
   */
  async heldStillOwed(tx: EntityManager, hold: HoldRow, windowId: string): Promise<boolean> {
    const [debt] = (await tx.query(HELD_DEBT, [hold.id])) as Debt[];
    if (!debt) return false;
    const [{ owed }] = (await tx.query(WINDOW_HELD_OWED, [hold.id, windowId])) as { owed: boolean }[];
    return owed;
  }

  /** Pays every debt, oldest first, a transaction at a time; resolves the windows this run announced, 0 when it failed (logged). */
  drain(): Promise<number> {
    return this.pay().catch((error: unknown) => {
      this.logger.error({ err: withoutStatementValues(error) }, "announcing a hold's windows failed; the next sweep resumes where it stopped");
      return 0;
    });
  }

  /**
   * The sweep's part: whatever a stopped or failed run left. A run in flight is waited for rather than joined: should it fail, the rest is paid now.
   * Its own failure is the sweep's `announced` step's, logged by the sweep once and then every 30 s while it repeats: logged
   * here as well, it was an error at every sweep of a PostgreSQL outage.
   */
  async drainAll(): Promise<number> {
    // A run that fails is logged by whoever started it.
    await this.running?.catch(() => undefined);
    return this.pay();
  }

  /** How long the oldest debt has been owed, in seconds at `now`; 0 when there is none. */
  async oldestOwedSeconds(now: Date): Promise<number> {
    const [{ oldest }] = (await this.dataSource.query('SELECT min(owed_since) AS oldest FROM hold_announcement')) as { oldest: Date | null }[];
    return oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
  }

  async onApplicationShutdown(): Promise<void> {
    // Stops between transactions; the next start's sweep goes on from the last one committed.
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  /** The run paying debts in this process, joined when one is under way; rejects when it fails. */
  private pay(): Promise<number> {
    this.again = true;
    this.running ??= this.payAll().finally(() => {
      this.running = undefined;
      // A debt made as the run ended: paid now rather than at the next sweep.
      if (this.again && !this.stopping) void this.drain();
    });
    return this.running;
  }

  private async payAll(): Promise<number> {
    this.again = false;
    if ((await this.debts(this.dataSource.manager)) === 0) return 0;
    // A placement or release just wrote thousands of links the statistics do not know of yet: planned
    // as if the hold had a handful, each batch read all of them again (30,961 windows took 13.6 s to
    // announce, against 7.9 s for the one transaction of before).
    await this.dataSource
      .query('ANALYZE hold_occurrence')
      .catch((error: unknown) => this.logger.warn({ err: withoutStatementValues(error) }, 'ANALYZE hold_occurrence failed; announcing without fresh statistics'));
    const started = performance.now();
    let windows = 0;
    let debts = 0;
    while (!this.stopping) {
      this.again = false;
      const step = await this.dataSource.transaction(async (tx) => {
        const [debt] = (await tx.query(OLDEST_DEBT)) as (HoldRow & Debt)[];
        if (!debt) {
          // The oldest was paid by another process while this one waited for it: look again, unless none is left.
          return (await this.debts(tx)) > 0 ? { announced: 0, paid: false } : null;
        }
        const { events, windows: announced, last } = await this.announce(tx, debt, debt, WINDOWS_PER_ANNOUNCEMENT);
        const paid = announced < WINDOWS_PER_ANNOUNCEMENT;
        await Promise.all([
          this.announcer.publish(tx, events),
          paid
            ? tx.query(answeredAtCommit('DELETE FROM hold_announcement WHERE seq = $1'), [debt.seq])
            : tx.query(answeredAtCommit('UPDATE hold_announcement SET announced_through = $2 WHERE seq = $1'), [debt.seq, last]),
        ]);
        return { announced, paid };
      });
      if (!step) {
        if (this.again) continue;
        break;
      }
      windows += step.announced;
      if (step.paid) debts++;
    }
    if (debts > 0) this.logger.log({ debts, windows, ms: Math.round(performance.now() - started) }, "holds' window events written after them");
    return windows;
  }

  private async debts(manager: EntityManager): Promise<number> {
    const [{ debts }] = (await manager.query(DEBTS)) as { debts: number }[];
    return debts;
  }

  /** The events for the next `limit` windows the debt covers after its cursor (all when null); window.held's audit rows written. */
  private async announce(tx: EntityManager, hold: HoldRow, debt: Debt, limit: number | null): Promise<{ events: HoldfastEvent[]; windows: number; last: string | null }> {
    const at = debt.kind === 'held' ? hold.placed_at : hold.released_at;
    const after = debt.announced_through ?? NO_WINDOW;
    const windows = await this.announcer.readLinked(tx, OWED[debt.kind].windows, OWED[debt.kind].runs, [hold.id, at, after, limit]);
    if (windows.length === 0) return { events: [], windows: 0, last: null };
    const last = windows.reduce((greatest, window) => (window.row.id > greatest ? window.row.id : greatest), after);
    const options = this.eventOptions(hold, debt);
    let events: HoldfastEvent[];
    if (debt.kind === 'held') {
      await tx.query(AUDIT_OWED_HELD, ['held', `hold:${hold.id}`, this.clock.now(), debt.chain_causation_id, hold.id, at, after, last]);
      events = await this.announcer.inTurns(windows, this.announcer.heldAnnouncement(hold, options));
    } else {
      // Their audit rows were written with the release.
      events = await this.announcer.inTurns(windows, this.announcer.releasedAnnouncement(hold, options));
    }
    return { events, windows: windows.length, last };
  }

  /** The chain the debt recorded: caused by the hold's hold.placed or hold.released (a debt recorded before that was kept may have none). */
  private eventOptions(hold: HoldRow, debt: Debt): CreateEventOptions {
    return {
      source: this.announcer.source(),
      subject: hold.regions[0],
      time: this.clock.now(),
      ...(debt.chain_correlation_id && debt.chain_causation_id ? { correlationId: debt.chain_correlation_id, causationId: debt.chain_causation_id } : {}),
    };
  }
}
