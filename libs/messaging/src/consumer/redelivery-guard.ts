import type { HoldfastEvent } from '@holdfast/contracts';
import { answeredAtCommit, prepared } from '@holdfast/database';
import type { EntityManager } from 'typeorm';
import type { MessagingLogger } from '../kafka/messaging-logger';

const RECORD_EVENT = prepared('INSERT INTO processed_event (consumer_group, event_id, event_type, topic) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING event_id');
// Ids and types travel as one comma-joined text each (ids are UUIDs, types known names): the driver writes no array literal element by element.
const RECORD_EVENTS = prepared(`WITH recorded AS (
    INSERT INTO processed_event (consumer_group, event_id, event_type, topic)
    SELECT $1, event.id::uuid, event.type, $4 FROM unnest(string_to_array($2, ','), string_to_array($3, ',')) AS event(id, type)
    ON CONFLICT DO NOTHING RETURNING event_id
  )
  SELECT count(*)::integer AS recorded, CASE WHEN count(*) < $5 THEN string_agg(event_id::text, ',') END AS fresh FROM recorded`);
const FORGET_EVENTS = answeredAtCommit('DELETE FROM processed_event WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])');
const ADVANCE_FENCE = prepared(`INSERT INTO consumed_offset AS fence (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
  ON CONFLICT (consumer_group, topic, partition) DO UPDATE SET
    prior_next_offset = fence.next_offset,
    prior_updated_at = fence.updated_at,
    next_offset = CASE WHEN fence.next_offset > $5::bigint THEN EXCLUDED.next_offset ELSE greatest(fence.next_offset, EXCLUDED.next_offset) END,
    updated_at = now()
  RETURNING prior_next_offset::text AS prior, (extract(epoch FROM prior_updated_at) * 1000)::float8 AS "priorAdvancedAt"`);
// Only on a topic's new life: the fence starts over where this slice ends.
const RESTART_FENCE = prepared('UPDATE consumed_offset SET next_offset = $4 WHERE consumer_group = $1 AND topic = $2 AND partition = $3');

/** Where events of one partition sit in its log. */
export interface LogPosition {
  partition: number;
  /** Each event's offset, in the events' order. */
  offsets: readonly string[];
  /** Each event's Kafka timestamp (epoch milliseconds, as kafkajs gives it), in the events' order. */
  timestamps: readonly string[];
  /** The offset after the last message handed over with these events (dead-lettered and ignored ones included). */
  nextOffset: string;
  /** The partition's log end when the messages were fetched; absent outside batch consumption. */
  highWatermark?: string;
}

/**
 * Tells first deliveries from redeliveries inside the transaction that applies them, recording
 * the events as consumed in that same transaction: both commit, or neither does.
 */
export interface RedeliveryGuard {
  /** The ids of the events consumed for the first time, or 'all' when every one is. */
  admit(transaction: EntityManager, events: readonly HoldfastEvent[], position: LogPosition): Promise<ReadonlySet<string> | 'all'>;
  /** Events admitted in this transaction that the handler refused and were dead-lettered: not applied, so a replay of them must be. */
  forget(transaction: EntityManager, events: readonly HoldfastEvent[]): Promise<void>;
}

/**
 * A processed-event ledger row per event: any copy of an event, at any offset, is recognised by
 * its id. What DESIGN.md section 3 describes, and the default.
 */
export class EventLedger implements RedeliveryGuard {
  constructor(
    private readonly groupId: string,
    private readonly topic: string,
  ) {}

  async admit(transaction: EntityManager, events: readonly HoldfastEvent[]): Promise<ReadonlySet<string> | 'all'> {
    if (events.length === 1) {
      const [event] = events;
      const recorded: unknown[] = await transaction.query(RECORD_EVENT, [this.groupId, event.id, event.type, this.topic]);
      return recorded.length === 1 ? 'all' : new Set();
    }
    const [{ recorded, fresh }]: { recorded: number; fresh: string | null }[] = await transaction.query(RECORD_EVENTS, [
      this.groupId,
      events.map((event) => event.id).join(','),
      events.map((event) => event.type).join(','),
      this.topic,
      events.length,
    ]);
    if (recorded === events.length) return 'all';
    return new Set(fresh === null ? [] : fresh.split(','));
  }

  async forget(transaction: EntityManager, events: readonly HoldfastEvent[]): Promise<void> {
    await transaction.query(FORGET_EVENTS, [this.groupId, events.map((event) => event.id)]);
  }
}

/**
 * One row per partition instead of one per event: the next offset not yet applied, advanced in the
 * applying transaction under the row's lock, so a redelivered message (a restart, a rebalance, a
 * commit Kafka refused, a second replica still holding the partition) is recognised by its offset
 * at the cost of one single-row upsert per slice. A copy of an event published again at a later
 * offset is NOT recognised: give this only to a handler for which such a copy changes nothing (the
 * analyzer's detector leaves a sample no newer than its series' last one out). A new life of the
 * topic (deleted and created again) is recognised by a fence past the log's end, or by messages
 * below it stamped after it last advanced, and the fence starts over.
 */
export class PartitionOffsetFence implements RedeliveryGuard {
  constructor(
    private readonly groupId: string,
    private readonly topic: string,
    private readonly logger: MessagingLogger,
  ) {}

  /** Only the events' ids are read: a message without one (a tombstone) is admitted under any id unique in the call, its offset. */
  async admit(transaction: EntityManager, events: readonly Pick<HoldfastEvent, 'id'>[], position: LogPosition): Promise<ReadonlySet<string> | 'all'> {
    // A fence past the log's end belongs to an earlier life of the topic (deleted and created again): the log starts over.
    const [{ prior, priorAdvancedAt }]: { prior: string | null; priorAdvancedAt: number | null }[] = await transaction.query(ADVANCE_FENCE, [
      this.groupId,
      this.topic,
      position.partition,
      position.nextOffset,
      position.highWatermark ?? position.nextOffset,
    ]);
    if (prior === null) return 'all';
    const fence = BigInt(prior);
    if (position.highWatermark !== undefined && fence > BigInt(position.highWatermark)) {
      this.logger.warn(
        { topic: this.topic, partition: position.partition, fence: prior, highWatermark: position.highWatermark },
        'the consumed-offset fence is past the end of the partition (was the topic deleted and created again?); the partition is consumed from its start again',
      );
      return 'all';
    }
    if (BigInt(position.offsets[0]) >= fence) return 'all';
    const below = events.flatMap((_, index) => (BigInt(position.offsets[index]) < fence ? [index] : []));
    // A message applied before was in the log when the fence last moved past it. One stamped later
    // is a new life of the topic refilled past the old fence; or a producer's clock ahead of the
    // database's, whose copy the fence's handlers leave out anyway (see the class).
    if (priorAdvancedAt !== null && below.some((index) => Number(position.timestamps[index]) > priorAdvancedAt)) {
      await transaction.query(RESTART_FENCE, [this.groupId, this.topic, position.partition, position.nextOffset]);
      this.logger.warn(
        { topic: this.topic, partition: position.partition, fence: prior, firstOffset: position.offsets[0] },
        'messages below the consumed-offset fence were written after it last advanced (was the topic deleted and created again?); the fence starts over from them',
      );
      return 'all';
    }
    const fresh = new Set<string>();
    for (const [index, event] of events.entries()) if (BigInt(position.offsets[index]) >= fence) fresh.add(event.id);
    return fresh;
  }

  /** A replay comes at a later offset, past the fence: nothing to forget. */
  async forget(): Promise<void> {}
}
