import type { CreateEventOptions, HoldfastEvent } from '@holdfast/contracts';
import { afterCommit, answeredAtCommit, prepared } from '@holdfast/database';
import { Clock } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { HoldAnnouncer, type TouchedOccurrence } from './hold-announcer';
import { rowsOf } from './hold-fanout.sql';
import { HOLD_COLUMNS, type HoldRow } from './hold-record';

/**
 * Windows announced per transaction. A hold that holds no more windows than this announces them
 * (window.held) in the transaction that places it; a larger one commits first, so the gate answers
 * 423 at once (a surge over 30,961 windows took 5.8 s to commit with its events, most of it
 * building and writing them), and owes its window.held events, written after it this many windows
 * a transaction. At 100 keys the outbox still locks key by key (KEY_LOCKS_PER_CALL), so these
 * transactions never hold back the planner's other writers, a new surge's hold among them.
 */
export const WINDOWS_PER_ANNOUNCEMENT = 100;

// Below every window id: where a hold's announcements start.
const NO_WINDOW = '00000000-0000-0000-0000-000000000000';

/**
 * The links the hold's placement made (held_at is its placed_at) and still has, of the next
 * `$4` windows after `$3` in id order (all of them when `$4` is NULL). A link made or made again
 * later (an extension, a window planned or changed under the hold) was announced by what made it.
 */
const OWED_LINKS = prepared(`SELECT l.window_id, l.number, l.kind, l.in_progress FROM hold_occurrence l
  WHERE l.hold_id = $1 AND l.held_at = $2 AND l.released_at IS NULL
    AND l.window_id = ANY (ARRAY(SELECT DISTINCT c.window_id FROM hold_occurrence c
                                  WHERE c.hold_id = $1 AND c.held_at = $2 AND c.released_at IS NULL AND c.window_id > $3::uuid
                                  ORDER BY c.window_id LIMIT $4))
  ORDER BY l.window_id, l.number`);
// The background's turn is skipped while a release, an extension or another replica has the row.
const NEXT_OWED = prepared(`SELECT a.announced_through, ${HOLD_COLUMNS} FROM hold_announcement a JOIN hold ON hold.id = a.hold_id
  WHERE a.hold_id = $1 FOR UPDATE OF a SKIP LOCKED`);
const ALL_OWED = prepared('SELECT announced_through FROM hold_announcement WHERE hold_id = $1 FOR UPDATE');

/** One audit row per window touched (set-based: a surge may hold thousands). */
export async function auditOccurrences(tx: EntityManager, touched: readonly TouchedOccurrence[], entry: { action: string; actor: string; at: Date; causeEventId?: string | null }): Promise<void> {
  if (touched.length === 0) return;
  await tx.query(
    answeredAtCommit(`INSERT INTO audit_entry (subject_type, subject_id, action, actor, at, cause_event_id, details)
       SELECT 'window', window_id, $3, $4, $5, $6, jsonb_build_object('occurrences', array_agg(number ORDER BY number), 'kind', min(kind))
         FROM unnest($1::uuid[], $2::int[], $7::text[]) AS t(window_id, number, kind) GROUP BY window_id`),
    [touched.map((link) => link.window_id), touched.map((link) => link.number), entry.action, entry.actor, entry.at, entry.causeEventId ?? null, touched.map((link) => link.kind)],
  );
}

/**
 * The window.held events a large hold still owes. Its placement records the debt with the hold;
 * once that commits, this process announces the windows in transactions of WINDOWS_PER_ANNOUNCEMENT,
 * each advancing the row's cursor, and the sweep picks up whatever a stopped process left. The
 * hold's release settles the rest first, in its own transaction, so no reader sees window.released
 * before window.held. An extension announces only the links it makes and leaves the debt to run
 * on: a window it reaches again is told of its new occurrences then, and of the placement's when
 * its turn comes; settling there would put thousands of events in the surge consumer's
 * transaction, which over 100 keys locks every other writer of the outbox out until it commits.
 */
@Injectable()
export class HeldWindowBacklog implements OnApplicationShutdown {
  private readonly logger = new Logger(HeldWindowBacklog.name);
  // Holds this process is announcing, so a second wake-up for one joins the first.
  private readonly draining = new Map<string, Promise<number>>();
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly announcer: HoldAnnouncer,
  ) {}

  /** In the placing transaction: the hold's window.held events are owed, and announced once it commits. */
  async owe(tx: EntityManager, hold: HoldRow): Promise<void> {
    await tx.query(answeredAtCommit('INSERT INTO hold_announcement (hold_id, owed_since) VALUES ($1, $2)'), [hold.id, hold.placed_at]);
    afterCommit(tx, () => void this.drain(hold.id), `hold-announcement:${hold.id}`);
  }

  /**
   * In the transaction releasing the hold: whatever it still owes, audited and returned as events
   * for the caller to publish ahead of its own (waiting for a batch in flight to commit first).
   */
  async settle(tx: EntityManager, hold: HoldRow): Promise<HoldfastEvent[]> {
    const [owed] = (await tx.query(ALL_OWED, [hold.id])) as { announced_through: string | null }[];
    if (!owed) return [];
    const { events } = await this.announce(tx, hold, owed.announced_through, null);
    await tx.query(answeredAtCommit('DELETE FROM hold_announcement WHERE hold_id = $1'), [hold.id]);
    return events;
  }

  /** Announces what the hold owes, a transaction at a time; resolves the windows this call announced. */
  drain(holdId: string): Promise<number> {
    const running = this.draining.get(holdId);
    if (running) return running;
    const work = this.announceAll(holdId)
      .catch((error: unknown) => {
        this.logger.error({ err: error, holdId }, "announcing a hold's windows failed; the next sweep resumes where it stopped");
        return 0;
      })
      .finally(() => this.draining.delete(holdId));
    this.draining.set(holdId, work);
    return work;
  }

  /** Every hold that still owes announcements (after a restart, or a failure): the sweep's part. */
  async drainAll(): Promise<number> {
    const owed = (await this.dataSource.query('SELECT hold_id FROM hold_announcement ORDER BY owed_since')) as { hold_id: string }[];
    let windows = 0;
    for (const { hold_id } of owed) {
      // A run in flight is waited for rather than joined: should it fail, what it left is announced now.
      await this.draining.get(hold_id);
      windows += await this.drain(hold_id);
    }
    return windows;
  }

  /** How long the oldest hold has owed its announcements, in seconds at `now`; 0 when none owes any. */
  async oldestOwedSeconds(now: Date): Promise<number> {
    const [{ oldest }] = (await this.dataSource.query('SELECT min(owed_since) AS oldest FROM hold_announcement')) as { oldest: Date | null }[];
    return oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
  }

  async onApplicationShutdown(): Promise<void> {
    // Stops between transactions; the next start's sweep goes on from the last one committed.
    this.stopping = true;
    await Promise.allSettled([...this.draining.values()]);
  }

  private async announceAll(holdId: string): Promise<number> {
    const started = performance.now();
    let windows = 0;
    // The placement just added thousands of links the statistics do not know of yet: planned as if
    // the hold had a handful, each batch read all of them again (30,961 windows took 13.6 s to
    // announce, against 7.9 s for the one transaction of before).
    await this.dataSource.query('ANALYZE hold_occurrence').catch((error: unknown) => this.logger.warn({ err: error }, 'ANALYZE hold_occurrence failed; announcing without fresh statistics'));
    while (!this.stopping) {
      const step = await this.dataSource.transaction(async (tx) => {
        const [owed] = (await tx.query(NEXT_OWED, [holdId])) as (HoldRow & { announced_through: string | null })[];
        if (!owed) return null;
        const { events, windows: announced, last } = await this.announce(tx, owed, owed.announced_through, WINDOWS_PER_ANNOUNCEMENT);
        const done = announced < WINDOWS_PER_ANNOUNCEMENT;
        await Promise.all([
          this.announcer.publish(tx, events),
          done
            ? tx.query(answeredAtCommit('DELETE FROM hold_announcement WHERE hold_id = $1'), [holdId])
            : tx.query(answeredAtCommit('UPDATE hold_announcement SET announced_through = $2 WHERE hold_id = $1'), [holdId, last]),
        ]);
        return { announced, done };
      });
      if (!step) break;
      windows += step.announced;
      if (step.done) {
        this.logger.log({ holdId, windows, ms: Math.round(performance.now() - started) }, "the hold's windows are announced (window.held)");
        break;
      }
    }
    return windows;
  }

  /** window.held for the next `limit` windows the hold owes after `after` (all when null), their audit rows written. */
  private async announce(tx: EntityManager, hold: HoldRow, after: string | null, limit: number | null): Promise<{ events: HoldfastEvent[]; windows: number; last: string | null }> {
    const links = rowsOf<TouchedOccurrence>(await tx.query(OWED_LINKS, [hold.id, hold.placed_at, after ?? NO_WINDOW, limit]));
    if (links.length === 0) return { events: [], windows: 0, last: null };
    const windows = await this.announcer.load(tx, links);
    await auditOccurrences(tx, links, { action: 'held', actor: `hold:${hold.id}`, at: this.clock.now(), causeEventId: hold.cause_event_id });
    return {
      events: this.announcer.windowHeldEvents(hold, windows, this.eventOptions(hold)),
      windows: new Set(links.map((link) => link.window_id)).size,
      last: links.at(-1)!.window_id,
    };
  }

  /** The chain the placement's events belong to, as far as the hold recorded it. */
  private eventOptions(hold: HoldRow): CreateEventOptions {
    return {
      source: this.announcer.source(),
      subject: hold.regions[0],
      time: this.clock.now(),
      ...(hold.correlation_id ? { correlationId: hold.correlation_id } : {}),
      ...(hold.cause_event_id ? { causationId: hold.cause_event_id } : {}),
    };
  }
}
