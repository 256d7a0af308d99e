import { InstantSchema } from '@holdfast/contracts';
import { DeadLetterReplay, isReplayable, MessagingRuntime, SHOWN_BODY_BYTES, SHOWN_MESSAGE_COLUMNS, shownMessage, type DeadLetterRow, type DeadLetterSelection } from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { decodeCursor, pageOf } from '../http/list-page';

export interface DeadLetterQuery {
  /** The logical topic the messages came from, e.g. traffic.samples.v1. */
  topic?: string;
  since?: string;
  limit?: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

/** A dead letter's place in the list: its time to the microsecond (PostgreSQL's now(), finer than a JavaScript Date) and its key. */
type LetterPlace = [exactAt: string, consumerGroup: string, topic: string, partition: number, offset: string];

const EXACT_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

const placeText = (place: LetterPlace): string => Buffer.from(JSON.stringify(place)).toString('base64url');

function placeOf(text: string): LetterPlace | null {
  try {
    const place: unknown = JSON.parse(Buffer.from(text, 'base64url').toString());
    if (!Array.isArray(place) || place.length !== 5) return null;
    const [exactAt, group, topic, partition, offset] = place as unknown[];
    const valid =
      typeof exactAt === 'string' && EXACT_UTC.test(exactAt) && Number.isFinite(Date.parse(exactAt)) &&
      typeof group === 'string' && group.length <= 255 && typeof topic === 'string' && topic.length <= 255 &&
      Number.isInteger(partition) && (partition as number) >= 0 && (partition as number) < 2 ** 31 &&
      typeof offset === 'string' && /^\d{1,19}$/.test(offset) && BigInt(offset) <= 9_223_372_036_854_775_807n;
    return valid ? (place as LetterPlace) : null;
  } catch {
    return null;
  }
}

const MessageBytesSchema = z
  .union([z.string(), z.strictObject({ base64: z.string() })])
  .meta({ id: 'MessageBytes', description: 'bytes of a message as they came in: text when they are UTF-8 without NUL, otherwise {"base64": "..."}' });

/** A message this service's consumers sent to `<topic>.dlq`, as they recorded it: the answer's items, documented in OpenAPI from here. */
export const DeadLetterViewSchema = z.strictObject({
  consumerGroup: z.string(),
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string().meta({ description: 'the offset in the origin partition, as text: it may exceed what a JSON number holds exactly' }),
  eventId: z.string().nullable().meta({
    description: `the message ce_id header, or for CloudEvents structured mode the id in its body (read when the body is at most ${SHOWN_BODY_BYTES} bytes); null when it had none`,
  }),
  key: MessageBytesSchema.nullable().meta({ description: 'the message key; null when it had none, or the message was not kept (replayable false)' }),
  source: MessageBytesSchema.nullable().meta({
    description: `the message ce_source header, naming its producer, or for CloudEvents structured mode the source in its body (read when the body is at most ${SHOWN_BODY_BYTES} bytes); for a bare JSON message on a topic outside pipelines write (traffic.samples.v1), the producer its body names (a sample's source), else kafka:<topic>; null when it had none, or the message was not kept`,
  }),
  body: MessageBytesSchema.nullable().meta({
    description: `the message body, its first ${SHOWN_BODY_BYTES} bytes at most (a character the cut would split left out); null when it had none, or the message was not kept`,
  }),
  bodyBytes: z.number().int().nullable().meta({ description: 'the whole body in bytes; null when body is' }),
  bodyTruncated: z.boolean().meta({
    description: `whether body is only the start of it (a body over ${SHOWN_BODY_BYTES} bytes): the whole body is kept for a replay, and is on the origin topic at offset, and on <topic>.dlq`,
  }),
  reason: z.string(),
  deadLetteredAt: InstantSchema,
  replayable: z.boolean().meta({ description: 'whether POST /v1/dead-letters/replay can send it again: its message was kept (not for letters recorded before messages were kept, nor for a message over KAFKA_MAX_MESSAGE_BYTES), and its topic is not compacted (region.baselines.v1, api.keys.v1: an old state sent again would outlive the newer one)' }),
  replayedAt: InstantSchema.nullable().meta({ description: 'when it was sent again to its topic; null if never' }),
}).meta({ id: 'DeadLetter' });
export type DeadLetterView = z.infer<typeof DeadLetterViewSchema>;

export const DEFAULT_DEAD_LETTER_LIMIT = 100;

export const DeadLetterReplayOutcomeSchema = z.strictObject({
  replayed: z.array(DeadLetterViewSchema).meta({ description: 'the dead letters replayed by this call, in log order' }),
  messages: z.number().int().meta({ description: 'messages sent: one per place in the log, however many consumer groups dead-lettered it' }),
  remaining: z.number().int().meta({ description: 'replayable dead letters that match and were left for another call (over the limit)' }),
  unreplayable: z.number().int().meta({ description: 'dead letters that match but kept no message to send' }),
}).meta({ id: 'DeadLetterReplayOutcome' });
export type DeadLetterReplayOutcomeView = z.infer<typeof DeadLetterReplayOutcomeSchema>;

/**
 * The dead letters this service's consumers recorded (`dead_letter`, kept
 * PROCESSED_EVENT_RETENTION_DAYS): what an operator reads to learn which messages a pipeline got
 * wrong and why, without a Kafka client, and sends again once the cause is fixed. The messages
 * themselves are on `<topic>.dlq`, and kept with each record for a replay.
 */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger(DeadLettersService.name);
  private readonly replayer: DeadLetterReplay;
  private readonly replayedCounter;

  constructor(@InjectDataSource() private readonly dataSource: DataSource, messaging: MessagingRuntime, metrics: MetricsRegistry) {
    this.replayer = new DeadLetterReplay(dataSource, messaging.publisher);
    this.replayedCounter = metrics.counter('holdfast_dead_letters_replayed_total', 'Dead-lettered messages sent again to their topic (POST /v1/dead-letters/replay), by that topic', ['topic']);
  }

  /** Newest first, a page at a time, in an order every letter has its own place in (its time, then its key). */
  async list({ topic, since, limit = DEFAULT_DEAD_LETTER_LIMIT, cursor }: DeadLetterQuery): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    const after = cursor ? decodeCursor(cursor, placeOf).id : null;
    const rows: (DeadLetterRow & { message_kept: boolean; exact_at: string })[] = await this.dataSource.query(
      `SELECT consumer_group, topic, partition, "offset"::text AS "offset", reason, dead_lettered_at, message_kept, replayed_at, ${SHOWN_MESSAGE_COLUMNS},
              to_char(dead_lettered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS exact_at
         FROM dead_letter
        WHERE ($1::text IS NULL OR topic = $1) AND ($2::timestamptz IS NULL OR dead_lettered_at >= $2)
          AND ($4::timestamptz IS NULL OR (dead_lettered_at, consumer_group, topic, partition, "offset") < ($4, $5::text, $6::text, $7::int, $8::bigint))
        ORDER BY dead_lettered_at DESC, consumer_group DESC, topic DESC, partition DESC, "offset" DESC LIMIT $3`,
      [topic ?? null, since ?? null, limit + 1, ...(after ?? [null, null, null, null, null])],
    );
    return pageOf(
      rows,
      limit,
      (row) => ({ at: row.dead_lettered_at, id: placeText([row.exact_at, row.consumer_group, row.topic, row.partition, row.offset]) }),
      (row) => ({ ...view(row), replayable: isReplayable({ topic: row.topic, messageKept: row.message_kept }) }),
    );
  }

  /** Sends the selected dead letters' messages again to their topics (DeadLetterReplay); `actor` is who asked, for the log. */
  async replay(selection: DeadLetterSelection, actor: string): Promise<DeadLetterReplayOutcomeView> {
    const outcome = await this.replayer.replay(selection);
    const topics = new Map<string, Set<string>>();
    for (const row of outcome.replayed) topics.set(row.topic, (topics.get(row.topic) ?? new Set()).add(`${row.partition}/${row.offset}`));
    for (const [topic, messages] of topics) this.replayedCounter.inc({ topic }, messages.size);
    if (outcome.messages > 0) {
      this.logger.log({ actor, selection, messages: outcome.messages, letters: outcome.replayed.length, remaining: outcome.remaining }, 'dead letters replayed to their topics');
    }
    return { ...outcome, replayed: outcome.replayed.map((row) => ({ ...view(row), replayable: true })) };
  }
}

const view = (row: DeadLetterRow): Omit<DeadLetterView, 'replayable'> => ({
  consumerGroup: row.consumer_group,
  topic: row.topic,
  partition: row.partition,
  offset: row.offset,
  ...shownMessage(row),
  reason: row.reason,
  deadLetteredAt: row.dead_lettered_at.toISOString(),
  replayedAt: row.replayed_at?.toISOString() ?? null,
});
