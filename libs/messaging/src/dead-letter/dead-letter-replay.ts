import { headerText, TopicSpecs } from '@holdfast/contracts';
import type { DataSource } from 'typeorm';
import { eventTypeLabel } from '../consumer/event-consumer';
import type { EventPublisher, OutboundMessage } from '../kafka/event-publisher';
import { headersToSend, type KeptHeaders } from './kept-headers';
import { SHOWN_MESSAGE_COLUMNS, type ShownMessageRow } from './shown-message';

/** Which dead letters to send again: those not replayed yet that match every filter given. */
export interface DeadLetterSelection {
  /** The logical topic they came from, e.g. traffic.samples.v1. */
  topic?: string;
  /** Dead-lettered at or after this instant. */
  since?: string;
  /** Dead-lettered before this instant. */
  until?: string;
  /** Only those whose reason contains this text, ignoring case ("unknown region"). */
  reasonContains?: string;
  /** At most this many dead letters a call. */
  limit: number;
}

/** A dead letter as recorded, with when it was replayed and what a listing shows of its message. */
export interface DeadLetterRow extends ShownMessageRow {
  consumer_group: string;
  topic: string;
  partition: number;
  offset: string;
  reason: string;
  dead_lettered_at: Date;
  replayed_at: Date | null;
}

export interface DeadLetterReplayOutcome {
  /** The dead letters replayed, in the order their messages were sent (by topic, partition and offset). */
  replayed: DeadLetterRow[];
  /** Messages sent: one per place in the log, however many consumer groups dead-lettered it. */
  messages: number;
  /** Dead letters matching the selection and not replayed yet, beyond this call's limit. */
  remaining: number;
  /** Dead letters matching the selection that are never sent: they kept no message (recorded before messages were kept, over KAFKA_MAX_MESSAGE_BYTES, a header name jsonb cannot hold) or came from a compacted topic. */
  unreplayable: number;
}

const COLUMNS = `consumer_group, topic, partition, "offset"::text AS "offset", reason, dead_lettered_at, replayed_at`;
const MATCHES = `replayed_at IS NULL AND ($1::text IS NULL OR topic = $1) AND ($2::timestamptz IS NULL OR dead_lettered_at >= $2)
  AND ($3::timestamptz IS NULL OR dead_lettered_at < $3) AND ($4::text IS NULL OR strpos(lower(reason), lower($4)) > 0)`;
/**
 * A compacted topic keeps the last record of each key: an old state sent again would outlive the
 * newer one for every consumer that reads the topic from its start (a revoked key live again), so
 * its letters are never replayed; the state's owner publishes it anew instead.
 */
const COMPACTED_TOPICS = Object.values(TopicSpecs).flatMap((spec) => (spec.compacted ? [spec.name] : []));
const replayable = (compacted: string) => `(message_kept AND topic <> ALL(${compacted}::text[]))`;

/** Whether a dead letter would be sent by a replay (the SQL's `replayable`, for one row in hand): its message kept, and its topic not compacted. */
export const isReplayable = (letter: { topic: string; messageKept: boolean }): boolean => letter.messageKept && !(COMPACTED_TOPICS as readonly string[]).includes(letter.topic);
/**
 * The messages of the first matching letters, each claimed by locking one row of its own: its
 * unreplayed record of the first consumer group by name, whichever record matched. Two replays at
 * once (two operators, two replicas, selections matching different groups' records of one message)
 * contend for that same row, and the one that finds it locked skips the message rather than wait.
 * Locking the matching rows themselves let two replays each lock another group's record of one
 * message and both send it.
 */
const CHOOSE = `WITH claims AS (
    SELECT min(consumer_group) AS consumer_group, topic, partition, "offset" FROM dead_letter
    WHERE replayed_at IS NULL AND ${replayable('$6')} AND (topic, partition, "offset") IN (
      SELECT topic, partition, "offset" FROM dead_letter WHERE ${MATCHES} AND ${replayable('$6')} ORDER BY topic, partition, "offset", consumer_group LIMIT $5)
    GROUP BY topic, partition, "offset")
  SELECT ${COLUMNS}, message_key, message_value, message_headers FROM dead_letter
  WHERE (consumer_group, topic, partition, "offset") IN (SELECT consumer_group, topic, partition, "offset" FROM claims) AND replayed_at IS NULL
  ORDER BY topic, partition, "offset" FOR UPDATE SKIP LOCKED`;
const COUNT_LEFT = `SELECT count(*) FILTER (WHERE ${replayable('$5')})::int AS remaining, count(*) FILTER (WHERE NOT ${replayable('$5')})::int AS unreplayable
  FROM dead_letter WHERE ${MATCHES}`;
// Every group's record of a message is marked: the message went to all of the topic's groups again.
const MARK = `UPDATE dead_letter SET replayed_at = now() FROM unnest($1::text[], $2::int[], $3::bigint[]) AS sent(topic, partition, at)
  WHERE dead_letter.topic = sent.topic AND dead_letter.partition = sent.partition AND dead_letter."offset" = sent.at AND dead_letter.replayed_at IS NULL
  RETURNING consumer_group, dead_letter.topic, dead_letter.partition, "offset"::text AS "offset", reason, dead_lettered_at, replayed_at, ${SHOWN_MESSAGE_COLUMNS}`;

type ChosenRow = Omit<DeadLetterRow, keyof ShownMessageRow> & { message_key: Buffer | null; message_value: Buffer | null; message_headers: KeptHeaders };

/**
 * Sends dead-lettered messages again to the topic they came from, as they were (key, body and
 * headers unchanged), once their cause is fixed: a region added to the catalog, a producer
 * corrected. They reach every consumer group of that topic; a group that had applied an event drops
 * it again by its id, and one that refuses it again dead-letters the replay at its new offset.
 *
 * The letters are locked, sent in log order (a key's messages keep their order), then marked in one
 * transaction: should the send fail, none is marked and a second replay sends them again, so a
 * message may arrive twice, never not at all.
 */
export class DeadLetterReplay {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: Pick<EventPublisher, 'send'>,
  ) {}

  replay(selection: DeadLetterSelection): Promise<DeadLetterReplayOutcome> {
    const filters = [selection.topic ?? null, selection.since ?? null, selection.until ?? null, selection.reasonContains ?? null];
    return this.dataSource.transaction(async (transaction) => {
      // One row per message: its claim.
      const messages: ChosenRow[] = await transaction.query(CHOOSE, [...filters, selection.limit, COMPACTED_TOPICS]);
      await this.publisher.send(
        messages.map(
          (row): OutboundMessage => {
            const headers = headersToSend(row.message_headers);
            return { topic: row.topic, key: row.message_key, value: row.message_value, headers, eventType: eventTypeLabel(headerText(headers, 'ce_type')) };
          },
        ),
      );
      const replayed: DeadLetterRow[] =
        messages.length === 0
          ? []
          : (await transaction.query(MARK, [messages.map((row) => row.topic), messages.map((row) => row.partition), messages.map((row) => row.offset)]))[0];
      const [{ remaining, unreplayable }] = await transaction.query(COUNT_LEFT, [...filters, COMPACTED_TOPICS]);
      replayed.sort(inLogOrder);
      return { replayed, messages: messages.length, remaining, unreplayable };
    });
  }
}

const inLogOrder = (a: DeadLetterRow, b: DeadLetterRow): number =>
  a.topic.localeCompare(b.topic) || a.partition - b.partition || (a.offset === b.offset ? a.consumer_group.localeCompare(b.consumer_group) : BigInt(a.offset) < BigInt(b.offset) ? -1 : 1);
