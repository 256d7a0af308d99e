import { encodeEventEnvelope, topicOfEvent, TopicSpecs, type HoldfastEvent, type TopicName } from '@holdfast/contracts';
import { afterCommit, answeredAtCommit, prepared } from '@holdfast/database';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';

/** The channel a relay listens on; one per schema so services sharing a database don't wake each other. */
export function outboxChannel(schema: string): string {
  return `outbox_${schema.replace(/[^a-z0-9_]/gi, '_')}`;
}

/** An event as the relay sends it, laid out by the writer that wrote its row. */
export interface CommittedRow {
  eventId: string;
  eventType: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
  /** Null for a tombstone. */
  value: Buffer | null;
}

/**
 * The event_type of an outbox row that is a tombstone (a key with no value), and its `type` label in
 * holdfast_events_published_total. No event type is named so: a tombstone is no event.
 */
export const TOMBSTONE = 'tombstone';

/** A row as the writer inserts it: an event laid out for Kafka, or a tombstone (payload null). */
interface OutboxRecord {
  id: string;
  type: string;
  topic: string;
  key: string;
  headers: Record<string, string>;
  payload: unknown;
}

/** The relay of the writer's own process, as the writer sees it. */
export interface LocalRelay {
  readonly isLeader: boolean;
  /** Rows were just committed in this process. */
  committed(): void;
  /**
   * Rows were just committed in this process that were the only unpublished ones when they were
   * written, behind their keys' locks: the leader may send them as they are, without reading them back.
   */
  committedAlone(rows: readonly CommittedRow[]): void;
}

/** Events a call may hand to the relay directly; a larger call's rows are read back by a relay round. */
export const DIRECT_ROWS_PER_CALL = 50;

/** Rows per INSERT: 5,000 window.held events are already some 10 MB of JSON in one parameter. */
const ROWS_PER_STATEMENT = 5_000;

/**
 * Keys one call may lock one by one. PostgreSQL keeps every lock a transaction holds in one table
 * shared by all sessions (about max_locks_per_transaction x max_connections entries: 6,400 by
 * default); a surge over 20,000 windows, one key each, ran it out ("out of shared memory"), failing
 * the hold's transaction. A call over this many keys takes the schema's outbox lock exclusively
 * instead, which every other call holds shared.
 */
export const KEY_LOCKS_PER_CALL = 100;

// Two int4 keys, a lock space apart from the relay's single bigint one; the schema keeps services
// sharing a database apart. The whole outbox's lock is the schema's own (second key 0; a key whose
// hash is 0 only waits on it as well). unnest hands the keys out in array order, so they are locked
// sorted; the CTE is read before any key is locked, so the shared lock always comes first.
const LOCK_KEYS_SQL = `WITH outbox AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(hashtext($1::text || '/outbox'), 0))
  SELECT count(pg_advisory_xact_lock(hashtext($1), hashtext(key))) FROM outbox, unnest($2::text[]) AS key`;
const LOCK_KEYS = prepared(LOCK_KEYS_SQL);
const LOCK_OUTBOX_SQL = `SELECT pg_advisory_xact_lock(hashtext($1::text || '/outbox'), 0)`;
const LOCK_OUTBOX = prepared(LOCK_OUTBOX_SQL);
// A tombstone's payload is SQL NULL, not JSON null: the relay sends NULL as a null value.
const INSERT = `INSERT INTO outbox_message (event_id, event_type, topic, message_key, headers, payload)
  SELECT (event->>'id')::uuid, event->>'type', event->>'topic', event->>'key', event->'headers', NULLIF(event->'payload', 'null')
    FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS batch(event, position) ORDER BY position`;
const INSERT_ROWS = prepared(INSERT);
const INSERT_ROWS_AND_NOTIFY_SQL = `WITH written AS (${INSERT}) SELECT pg_notify($2, '')`;
const INSERT_ROWS_AND_NOTIFY = prepared(INSERT_ROWS_AND_NOTIFY_SQL);
// A transaction's events in one statement (nearly always): nothing reads the answers, so they
// travel with the transaction's next statement, usually its COMMIT (answeredAtCommit).
const AT_COMMIT = {
  lockKeys: answeredAtCommit(LOCK_KEYS_SQL),
  lockOutbox: answeredAtCommit(LOCK_OUTBOX_SQL),
  insertRows: answeredAtCommit(INSERT),
  insertRowsAndNotify: answeredAtCommit(INSERT_ROWS_AND_NOTIFY_SQL),
};
const AWAITED = { lockKeys: LOCK_KEYS, lockOutbox: LOCK_OUTBOX, insertRows: INSERT_ROWS, insertRowsAndNotify: INSERT_ROWS_AND_NOTIFY };
// Run after the call's key locks and before its rows: any earlier transaction on those keys has committed, so
// an unpublished row of theirs is seen here. The transaction's own earlier rows count too (then its rows go by a round).
const NOTHING_UNPUBLISHED = prepared('SELECT NOT EXISTS (SELECT 1 FROM outbox_message WHERE published_at IS NULL AND refused_at IS NULL) AS alone');

/**
 * Writes events to the outbox inside the caller's transaction: they are published if and only
 * if the change they describe commits.
 *
 * The relay publishes in id order, and ids are handed out at insert, not at commit. So that a
 * key's events still reach Kafka in the order their transactions commit, the writer first takes a
 * transaction-scoped advisory lock per topic and key: a second transaction writing the same key
 * waits until the first one has committed or rolled back, and its rows get the later ids. Keys
 * are locked in sorted order, so two writers of the same keys cannot deadlock on them (give one
 * call all of a transaction's events where possible; two calls may lock keys in two orders).
 *
 * A call over KEY_LOCKS_PER_CALL keys locks the whole schema's outbox instead of each key: it waits
 * for every writer in flight and holds back every other until it commits, which keeps each key's
 * order as the key locks do, at the cost of that one transaction's writes running alone.
 *
 * Two statements per call whatever the number of keys: the locks, then the rows (with the relay's
 * notification when it is needed) as one JSON parameter; one more per ROWS_PER_STATEMENT events
 * beyond the first. On a pipelining connection they share one round trip, the COMMIT's: a failure
 * fails the transaction's COMMIT, or its next statement.
 */
export class OutboxWriter {
  private localRelay?: LocalRelay;

  constructor(private readonly schema: string) {}

  async add(manager: EntityManager, ...events: HoldfastEvent[]): Promise<void> {
    await this.addAll(manager, events);
  }

  /** As `add`, for a list of any length (a surge over 100k windows), which must not be spread into arguments. */
  async addAll(manager: EntityManager, events: readonly HoldfastEvent[]): Promise<void> {
    // The payload is stored as the event holds it: only the key and headers are laid out here.
    await this.write(
      manager,
      events.map((event) => {
        const { key, headers } = encodeEventEnvelope(event);
        return { id: event.id, type: event.type, topic: topicOfEvent(event.type), key, headers, payload: event.data };
      }),
    );
  }

  /**
   * Writes a tombstone for `key` on the compacted `topic` inside the caller's transaction: the key
   * with no value, published only if the change commits. Consumers of the topic then forget the
   * key's state, and compaction removes the key's events, so a consumer reading the topic from its
   * start (a new replica, a restart without offsets) never sees them again. It keeps its place
   * among the key's events as an event does. Only on a compacted topic: elsewhere a tombstone
   * deletes nothing, and consumers dead-letter it as a message that is no event.
   */
  async addTombstone(manager: EntityManager, topic: TopicName, key: string): Promise<void> {
    if (!TopicSpecs[topic].compacted) throw new Error(`OutboxWriter.addTombstone: ${topic} is not compacted, so a tombstone would delete nothing there; publish an event instead.`);
    // Consumers and the AsyncAPI document learn what a tombstone means from the topic's contract.
    if (TopicSpecs[topic].tombstone === undefined) throw new Error(`OutboxWriter.addTombstone: ${topic} carries no tombstones by its contract: say what one means there first (tombstone in its TopicSpecs entry, libs/contracts).`);
    await this.write(manager, [{ id: uuidv7(), type: TOMBSTONE, topic, key, headers: {}, payload: null }]);
  }

  private async write(manager: EntityManager, records: readonly OutboxRecord[]): Promise<void> {
    if (records.length === 0) return;
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) {
      throw new Error('OutboxWriter.add needs the EntityManager of an open transaction, so the events commit with the change.');
    }
    const keys = [...new Set(records.map(({ topic, key }) => `${topic}/${key}`))].sort();
    // Not awaited on its own: PostgreSQL runs a connection's statements in order, so the first insert
    // still waits for every lock, and a pipelining connection sends both in one round trip.
    // Up to ROWS_PER_STATEMENT events the answers wait for COMMIT; beyond, each batch is awaited so
    // that only one batch's JSON is in memory at a time.
    const sql = records.length <= ROWS_PER_STATEMENT ? AT_COMMIT : AWAITED;
    const locked = keys.length > KEY_LOCKS_PER_CALL ? manager.query(sql.lockOutbox, [this.schema]) : manager.query(sql.lockKeys, [this.schema, keys]);
    const relay = this.localRelay;
    // Not awaited: its answer comes before COMMIT's, in the same round trips. Should it fail, so does the transaction.
    const alone: Promise<boolean> | undefined =
      relay?.isLeader && records.length <= DIRECT_ROWS_PER_CALL
        ? (manager.query(NOTHING_UNPUBLISHED) as Promise<{ alone: boolean }[]>).then(([row]) => row?.alone === true, () => false)
        : undefined;
    for (let start = 0; start < records.length; start += ROWS_PER_STATEMENT) {
      // One parameter per statement: a JSON array PostgreSQL unpacks in array order (ids follow it),
      // not six parameters per row, which would make PostgreSQL parse a statement as long as the batch.
      const batch = JSON.stringify(records.slice(start, start + ROWS_PER_STATEMENT));
      const last = start + ROWS_PER_STATEMENT >= records.length;
      // The leader is told in process on commit (should it lose the lead before then, its successor's
      // first round, or its poll, finds the rows); a leader in another process hears PostgreSQL's
      // notification, delivered only on commit, as soon as the rows are visible.
      const written =
        this.localRelay?.isLeader || !last
          ? manager.query(sql.insertRows, [batch])
          : manager.query(sql.insertRowsAndNotify, [batch, outboxChannel(this.schema)]);
      await (start === 0 ? Promise.all([locked, written]) : written);
    }
    if (!relay) return;
    if (alone) {
      const rows = records.map(({ id, type, topic, key, headers, payload }): CommittedRow => ({
        eventId: id,
        eventType: type,
        topic,
        key,
        headers,
        value: payload === null ? null : Buffer.from(JSON.stringify(payload)),
      }));
      // A callback per call: each call's rows are handed over on their own, in the order the calls wrote them.
      afterCommit(manager, () => void alone.then((first) => (first ? relay.committedAlone(rows) : relay.committed())), rows);
      return;
    }
    // Told once per transaction, however many calls wrote to it.
    afterCommit(manager, () => relay.committed(), this);
  }

  /**
   * Tells `relay` as soon as a transaction that wrote outbox rows has committed, so it publishes
   * them without waiting for PostgreSQL's notification to travel back; while it leads, the writer
   * sends no notification it would only hear a second time. A call of at most DIRECT_ROWS_PER_CALL
   * events that found no other unpublished row once its keys were locked hands its rows over as
   * they are (`committedAlone`): no row that must reach Kafka before them, on their keys, can be
   * waiting, so the relay sends them without the round trip that reads them back.
   */
  publishThrough(relay: LocalRelay): void {
    this.localRelay = relay;
  }
}
