import { BatchingClient, prepared } from '@holdfast/database';
import { RepeatedFailure, type MetricsRegistry } from '@holdfast/observability';
import type { Client, Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { messageBytes, type EventPublisher } from '../kafka/event-publisher';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { LATENCY_BUCKETS } from '../consumer/event-consumer';
import { outboxChannel, type CommittedRow } from './outbox-writer';
import { DEFAULT_BACKOFF, retried } from '../retried';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  publisher: Pick<EventPublisher, 'send'>;
  logger: MessagingLogger;
  metrics?: MetricsRegistry;
  /** Rows published per round trip. */
  batchSize?: number;
  /** How often to look for rows when nothing woke the relay (a notification can be missed across a reconnect, and a lead lost between write and commit). */
  pollIntervalMs?: number;
  /** Published rows older than this are deleted; they are kept a while for inspection. */
  retentionMs?: number;
  /**
   * Runs after Kafka acknowledged a batch and before the rows are marked published: the gap a
   * crash can fall into. Tests use it to kill the relay there.
   */
  afterPublish?: (eventIds: string[]) => Promise<void> | void;
  /** A statement of a round that has not answered by then means the lock session is cut off: the relay gives up the lead. */
  roundTimeoutMs?: number;
  /**
   * A row whose payload is larger (KAFKA_MAX_MESSAGE_BYTES, as consumers read it) is not sent but
   * marked refused: the broker would refuse it on every retry, and the rows behind it would wait for ever.
   */
  maxMessageBytes?: number;
}

const LOCK_BATCH = prepared(`SELECT id, event_id, event_type, topic, message_key, headers, payload::text AS payload FROM outbox_message
  WHERE published_at IS NULL AND refused_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE`);
const MARK_BATCH = prepared('UPDATE outbox_message SET published_at = now() WHERE id = ANY($1::bigint[])');
// Rows sent without a round: marked by their event ids in a statement of its own, on the lock session.
const MARK_SENT = prepared('UPDATE outbox_message SET published_at = now() WHERE event_id = ANY($1::uuid[]) AND published_at IS NULL');
const REFUSE_ROWS = prepared('UPDATE outbox_message SET refused_at = now(), refusal = r.refusal FROM unnest($1::bigint[], $2::text[]) AS r(id, refusal) WHERE outbox_message.id = r.id');

/** How long, and for how many rows at most, the relay remembers what its rounds sent (a hand-over comes right after its commit). */
const SENT_MEMORY_MS = 30_000;
const SENT_MEMORY_MAX = 10_000;
/** Calls of committedAlone held for the next send, at most; past it, a round reads the rows from the table. */
const MAX_DIRECT_HANDOVERS = 100;

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  /** Null for a tombstone (OutboxWriter.addTombstone), sent as a null value. */
  payload: string | null;
}

/**
 * Publishes outbox rows in id order, then marks them; a tombstone row (payload NULL) as a record
 * with its key and a null value. One relay per schema holds a PostgreSQL
 * advisory lock on its own session, so replicas never publish the same key out of order; if that
 * session dies, the lock goes with it and a standby takes over. A crash between publish and mark
 * publishes the batch again: consumers drop the duplicates through their ledger.
 *
 * Every round runs on that same session, so leadership is fenced by the session itself: a leader
 * whose session was killed cannot read a row, and a standby only gets the lock once the session
 * and its transaction are gone. A session cut off without the client noticing stalls its round
 * until `roundTimeoutMs`, then its client gives up the lead. The session pipelines its statements
 * (node-postgres `pipeline`): a round is one round trip to lock the rows, the Kafka send, and one
 * to mark them and commit, asynchronously: a mark lost to a server crash only publishes the rows
 * again. Rows its own process's writers hand over as committed alone (`committedAlone`) skip the
 * first: the Kafka send, then the mark.
 */
export class OutboxRelay {
  private readonly schema: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retentionMs: number;
  private readonly roundTimeoutMs: number;
  private stopping = false;
  private loop?: Promise<void>;
  private resolveIdle?: () => void;
  // Set by a notification that arrives while a batch is in flight, so it is not lost.
  private signalled = false;
  // Rows committed alone in this process (OutboxWriter), sent before the next round.
  private direct: (readonly CommittedRow[])[] = [];
  // Event ids rounds published lately, oldest first, with when: a row's hand-over can come during or
  // after the round that read it (woken by the same commit), and must not send it a second time.
  private readonly sentByRounds = new Map<string, number>();
  // When the poll runs a round if nothing else did.
  private pollDueAt = 0;
  // When the first wake-up since the last round came, for the wake step of the relay histogram.
  private wokenAt?: bigint;
  private drainDeadline = 0;
  private leader?: Client;
  private lastCleanup = 0;
  // While PostgreSQL or Kafka is away every round fails the same way.
  private readonly roundFailures = new RepeatedFailure();
  private readonly publishedCounter;
  private readonly refusedCounter;
  private readonly pendingGauge;
  private readonly stepSeconds;

  constructor(private readonly options: OutboxRelayOptions) {
    const schema = (options.dataSource.options as { schema?: string }).schema;
    if (!schema) throw new Error('OutboxRelay needs a data source with a schema.');
    this.schema = schema;
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.retentionMs = options.retentionMs ?? 24 * 3_600_000;
    this.roundTimeoutMs = options.roundTimeoutMs ?? 30_000;
    this.publishedCounter = options.metrics?.counter('holdfast_outbox_published_total', 'Outbox rows published to Kafka');
    this.refusedCounter = options.metrics?.counter('holdfast_outbox_refused_total', 'Outbox rows not published because their payload is over KAFKA_MAX_MESSAGE_BYTES (kept, marked refused)');
    this.pendingGauge = options.metrics?.gauge('holdfast_outbox_pending', "Outbox rows not yet published, as of the relay's last round while it leads; 0 on a replica whose relay does not lead");
    this.stepSeconds = options.metrics?.histogram(
      'holdfast_outbox_relay_seconds',
      'A relay round that published rows, by step: wake (woken to round started), read (round started to rows locked), send (to Kafka acknowledging), mark (rows marked and committed)',
      ['step'],
      LATENCY_BUCKETS,
    );
  }

  get isLeader(): boolean {
    return this.leader !== undefined;
  }

  start(): void {
    this.stopping = false;
    this.loop ??= this.run();
  }

  /**
   * Rows were just committed in this process: the leader publishes them now instead of waiting for
   * PostgreSQL's notification (or the poll, should that be missed). A standby ignores it; the
   * leader, in whichever process, hears the notification.
   */
  committed(): void {
    if (this.leader) this.wake();
  }

  /**
   * Rows just committed in this process that were the only unpublished ones when they were written
   * (OutboxWriter.publishThrough): the leader sends them next, as the writer laid them out, and
   * marks them, with no round to read them back. A round that read them all the same (one woken by
   * their commit) publishes them in order; a hand-over of rows a round sent is dropped.
   */
  committedAlone(rows: readonly CommittedRow[]): void {
    if (!this.leader) return;
    // Handed over while a round is stuck (Kafka away): held no further, the round after it reads them from the table.
    if (this.direct.length >= MAX_DIRECT_HANDOVERS) return this.wake();
    this.direct.push(rows);
    this.rouse();
  }

  /** Finishes the batch in flight, then publishes what is left (bounded by `drainMs`) and lets go of the lock. */
  async stop(drainMs = 5_000): Promise<void> {
    this.stopping = true;
    this.drainDeadline = Date.now() + drainMs;
    this.wake();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        const leading = await this.acquireLeadership();
        this.roundFailures.succeeded((fields, message) => this.options.logger.info(fields, message), {}, 'outbox relay works again');
        if (leading) await this.relayWhileLeader();
        else await this.idle(this.pollIntervalMs * 2);
      } catch (error) {
        this.roundFailures.log(this.options.logger, 'error', { err: error }, 'outbox relay round failed; retrying every poll');
        await this.releaseLeadership();
        await this.idle(this.pollIntervalMs);
      }
    }
    if (this.leader) await this.drain();
    await this.releaseLeadership();
  }

  private async acquireLeadership(): Promise<boolean> {
    if (this.leader) return true;
    // The pool's own settings (URL, TLS, search path), so the lock session connects as the service does;
    // a round's pipelined statements leave in one write.
    const pool = (this.options.dataSource.driver as PostgresDriver).master as Pool;
    const client: Client = new BatchingClient({
      ...pool.options,
      application_name: `${pool.options.application_name ?? 'holdfast'}-outbox-relay`,
      pipeline: true,
      query_timeout: this.roundTimeoutMs,
      keepAlive: true,
    });
    client.on('error', (error) => {
      this.options.logger.warn({ err: error }, 'outbox relay lost its PostgreSQL connection; electing again');
      if (this.leader === client) this.loseLead();
      this.wake();
    });
    try {
      await client.connect();
      const [{ locked }] = (await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [this.lockName])).rows;
      if (!locked) {
        await client.end();
        return false;
      }
      client.on('notification', () => this.wake());
      // Its writes only mark rows published (rounds and rows sent as committed): one lost to a server crash publishes the rows again, no more.
      await client.query('SET synchronous_commit TO off');
      await client.query(`LISTEN ${outboxChannel(this.schema)}`);
    } catch (error) {
      // A statement that timed out leaves its session open, and with it perhaps the lock: closed, so no session holds the lead for no one.
      client.end().catch(() => undefined);
      throw error;
    }
    this.leader = client;
    this.options.logger.info({ schema: this.schema }, 'outbox relay is the leader for its schema');
    return true;
  }

  private async releaseLeadership(): Promise<void> {
    const client = this.leader;
    this.loseLead();
    // Still unpublished in the table: the next leader's first round finds them.
    this.direct = [];
    // Closing the session releases the advisory lock and the LISTEN. Not awaited: a session cut off
    // from the server never confirms its end, and nothing is published from here on anyway.
    client?.end().catch(() => undefined);
  }

  /**
   * Every replica reports the pending gauge and the rules take the largest: a count kept from the
   * last round led would stay up after the new leader published those rows (HoldfastOutboxStalled).
   */
  private loseLead(): void {
    this.leader = undefined;
    this.pendingGauge?.set(0);
  }

  private get lockName(): string {
    return `holdfast-outbox-relay:${this.schema}`;
  }

  private async relayWhileLeader(): Promise<void> {
    let roundDue = true;
    while (!this.stopping && this.leader) {
      if (this.direct.length > 0) await this.publishDirect();
      if (roundDue) {
        this.pollDueAt = Date.now() + this.pollIntervalMs;
        const published = await this.publishBatchWithRetry();
        this.cleanUpOccasionally();
        if (published === this.batchSize) continue;
      }
      roundDue = await this.idle(this.pollDueAt - Date.now());
    }
  }

  /**
   * Sends the rows handed over by committedAlone, then marks them. Should either fail, or a row be
   * over the message limit, they stay unpublished and the next round (made due here) takes them, in order.
   */
  private async publishDirect(): Promise<void> {
    const leader = this.leader;
    const rows = this.direct.splice(0).flat().filter((row) => !this.sentByRounds.has(row.eventId));
    if (!leader || rows.length === 0) return;
    const began = process.hrtime.bigint();
    const wokenAt = this.wokenAt;
    this.wokenAt = undefined;
    const limit = this.options.maxMessageBytes;
    if (limit !== undefined && rows.some((row) => messageBytes({ key: row.key, value: row.value, headers: row.headers }) > limit)) {
      this.signalled = true;
      return;
    }
    let sent: bigint;
    try {
      await this.options.publisher.send(rows.map((row) => ({ topic: row.topic, key: row.key, value: row.value, headers: row.headers, eventType: row.eventType })));
      sent = process.hrtime.bigint();
      await this.options.afterPublish?.(rows.map((row) => row.eventId));
      await leader.query(MARK_SENT, [rows.map((row) => row.eventId)]);
    } catch (error) {
      this.options.logger.warn({ err: error, events: rows.length }, 'outbox relay could not publish rows as they were committed; a round publishes them from the table');
      this.signalled = true;
      return;
    }
    if (wokenAt !== undefined) this.stepSeconds?.observe({ step: 'wake' }, Number(began - wokenAt) / 1e9);
    this.stepSeconds?.observe({ step: 'send' }, Number(sent - began) / 1e9);
    this.stepSeconds?.observe({ step: 'mark' }, Number(process.hrtime.bigint() - sent) / 1e9);
    this.publishedCounter?.inc(rows.length);
  }

  private async drain(): Promise<void> {
    try {
      while ((await this.publishBatch()) === this.batchSize && Date.now() < this.drainDeadline);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'outbox relay could not publish everything before stopping; the rest goes out on the next start');
    }
  }

  private publishBatchWithRetry(): Promise<number> {
    return retried(() => this.publishBatch(), DEFAULT_BACKOFF, (error, attempt) => {
      if (this.stopping || !this.leader) return false;
      this.options.logger.warn({ err: error, attempt }, 'outbox relay could not publish; retrying the same batch so order is kept');
      return true;
    });
  }

  /**
   * One round on the lock session: lock the oldest unpublished rows, publish them in order, then
   * mark them and commit, the statements on each side of the send pipelined into one round trip.
   */
  private async publishBatch(): Promise<number> {
    const leader = this.leader;
    if (!leader) return 0;
    const began = process.hrtime.bigint();
    const wokenAt = this.wokenAt;
    this.wokenAt = undefined;
    // Rows handed over so far were committed before this read, which takes them in order: sent again, they would only be copies.
    this.direct = [];
    const [, found] = await Promise.all([
      leader.query('BEGIN'),
      leader.query<OutboxRow>(LOCK_BATCH, [this.batchSize]),
    ]).catch((error: unknown) => this.abandonRound(leader, error));
    const rows = found.rows;
    const pending = rows.length < this.batchSize ? rows.length : await this.countPending();
    // Counted on the pool, not the lock session: a lead lost meanwhile is not reported again.
    if (this.leader === leader) this.pendingGauge?.set(pending);
    if (rows.length === 0) {
      await leader.query('COMMIT');
      return 0;
    }
    const read = process.hrtime.bigint();
    const { sendable, refused } = this.splitOversized(rows);
    let sent: bigint;
    try {
      // The payload goes out as PostgreSQL stored it: no parse and re-serialise per row.
      if (sendable.length > 0) {
        await this.options.publisher.send(
          sendable.map(({ row, value }) => ({ topic: row.topic, key: row.message_key, value, headers: row.headers, eventType: row.event_type })),
        );
      }
      sent = process.hrtime.bigint();
      await this.options.afterPublish?.(sendable.map(({ row }) => row.event_id));
      await Promise.all([
        sendable.length > 0 ? leader.query(MARK_BATCH, [sendable.map(({ row }) => row.id)]) : undefined,
        refused.length > 0 ? leader.query(REFUSE_ROWS, [refused.map(({ row }) => row.id), refused.map(({ refusal }) => refusal)]) : undefined,
        leader.query('COMMIT'),
      ]);
    } catch (error) {
      return this.abandonRound(leader, error);
    }
    for (const { row, refusal } of refused) {
      this.options.logger.error(
        { eventId: row.event_id, type: row.event_type, topic: row.topic, key: row.message_key },
        `outbox row not published: ${refusal}. It is kept in outbox_message with refused_at set; the rows after it went on`,
      );
    }
    this.refusedCounter?.inc(refused.length);
    this.rememberSent(sendable.map(({ row }) => row.event_id));
    if (wokenAt !== undefined) this.stepSeconds?.observe({ step: 'wake' }, Number(began - wokenAt) / 1e9);
    this.stepSeconds?.observe({ step: 'read' }, Number(read - began) / 1e9);
    this.stepSeconds?.observe({ step: 'send' }, Number(sent - read) / 1e9);
    this.stepSeconds?.observe({ step: 'mark' }, Number(process.hrtime.bigint() - sent) / 1e9);
    this.publishedCounter?.inc(sendable.length);
    return rows.length;
  }

  /** Keeps the ids a round sent for SENT_MEMORY_MS (at most SENT_MEMORY_MAX of them), so a late hand-over of the same rows is dropped. */
  private rememberSent(eventIds: readonly string[]): void {
    const now = Date.now();
    for (const id of eventIds) this.sentByRounds.set(id, now);
    for (const [id, at] of this.sentByRounds) {
      if (now - at < SENT_MEMORY_MS && this.sentByRounds.size <= SENT_MEMORY_MAX) break;
      this.sentByRounds.delete(id);
    }
  }

  /** The rows to send, with their payload bytes, and those over the message limit with the reason. */
  private splitOversized(rows: readonly OutboxRow[]): { sendable: { row: OutboxRow; value: Buffer | null }[]; refused: { row: OutboxRow; refusal: string }[] } {
    const limit = this.options.maxMessageBytes;
    const sendable: { row: OutboxRow; value: Buffer | null }[] = [];
    const refused: { row: OutboxRow; refusal: string }[] = [];
    for (const row of rows) {
      const value = row.payload === null ? null : Buffer.from(row.payload);
      // As the broker counts it: the payload with its key, headers and the record batch's framing.
      const bytes = limit === undefined ? 0 : messageBytes({ key: row.message_key, value, headers: row.headers });
      if (limit !== undefined && bytes > limit) {
        refused.push({ row, refusal: `it is ${bytes} bytes with its key, headers and framing (a payload of ${value?.length ?? 0}), over the ${limit}-byte message limit (KAFKA_MAX_MESSAGE_BYTES)` });
      } else sendable.push({ row, value });
    }
    return { sendable, refused };
  }

  /**
   * Ends a failed round's transaction so its rows are unlocked, and rethrows. A session that cannot
   * even roll back (killed, cut off, timed out) is given up, and the relay stands for election again.
   */
  private async abandonRound(leader: Client, error: unknown): Promise<never> {
    try {
      await leader.query('ROLLBACK');
    } catch {
      if (this.leader === leader) {
        this.options.logger.warn({ schema: this.schema }, 'outbox relay lost its lock session; it stops publishing and stands for election again');
        await this.releaseLeadership();
      }
    }
    throw error;
  }

  private async countPending(): Promise<number> {
    const [{ count }] = await this.options.dataSource.query('SELECT count(*)::int AS count FROM outbox_message WHERE published_at IS NULL AND refused_at IS NULL');
    return count;
  }

  private cleanUpOccasionally(): void {
    const now = Date.now();
    // Once a minute, or once a retention period when that is shorter.
    if (now - this.lastCleanup < Math.min(60_000, this.retentionMs)) return;
    this.lastCleanup = now;
    this.options.dataSource
      .query(`DELETE FROM outbox_message WHERE published_at < now() - make_interval(secs => $1)`, [this.retentionMs / 1000])
      .catch((error) => this.options.logger.warn({ err: error }, 'outbox clean-up failed; it is tried again in a minute'));
  }

  /** A round is due: rows committed elsewhere, a notification, stopping. */
  private wake(): void {
    this.signalled = true;
    this.rouse();
  }

  private rouse(): void {
    this.wokenAt ??= process.hrtime.bigint();
    this.resolveIdle?.();
  }

  /** Waits up to `ms` for work; resolves whether a round is due (signalled, or the time ran out) rather than only rows handed over. */
  private idle(ms: number): Promise<boolean> {
    if (this.stopping || this.signalled || ms <= 0) {
      this.signalled = false;
      return Promise.resolve(true);
    }
    if (this.direct.length > 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (timedOut: boolean) => {
        clearTimeout(timer);
        this.resolveIdle = undefined;
        const signalled = this.signalled;
        this.signalled = false;
        resolve(timedOut || signalled || this.stopping);
      };
      const timer = setTimeout(() => done(true), ms);
      this.resolveIdle = () => done(false);
    });
  }
}
