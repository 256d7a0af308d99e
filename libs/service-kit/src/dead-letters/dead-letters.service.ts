import { InstantSchema } from '@holdfast/contracts';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';

export interface DeadLetterQuery {
  /** The logical topic the messages came from, e.g. traffic.samples.v1. */
  topic?: string;
  since?: string;
  limit?: number;
}

/** A message this service's consumers sent to `<topic>.dlq`, as they recorded it: the answer's items, documented in OpenAPI from here. */
export const DeadLetterViewSchema = z.strictObject({
  consumerGroup: z.string(),
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string().meta({ description: 'the offset in the origin partition, as text: it may exceed what a JSON number holds exactly' }),
  eventId: z.string().nullable().meta({ description: 'the message ce_id header; null when it had none' }),
  reason: z.string(),
  deadLetteredAt: InstantSchema,
});
export type DeadLetterView = z.infer<typeof DeadLetterViewSchema>;

export const DEFAULT_DEAD_LETTER_LIMIT = 100;

/**
 * The dead letters this service's consumers recorded (`dead_letter`, kept
 * PROCESSED_EVENT_RETENTION_DAYS): what an operator reads to learn which messages a pipeline got
 * wrong and why, without a Kafka client. The messages themselves are on `<topic>.dlq`.
 */
@Injectable()
export class DeadLettersService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list({ topic, since, limit = DEFAULT_DEAD_LETTER_LIMIT }: DeadLetterQuery): Promise<DeadLetterView[]> {
    const rows: { consumer_group: string; topic: string; partition: number; offset: string; event_id: string | null; reason: string; dead_lettered_at: Date }[] = await this.dataSource.query(
      `SELECT consumer_group, topic, partition, "offset"::text AS "offset", event_id, reason, dead_lettered_at FROM dead_letter
       WHERE ($1::text IS NULL OR topic = $1) AND ($2::timestamptz IS NULL OR dead_lettered_at >= $2)
       ORDER BY dead_lettered_at DESC, "offset" DESC LIMIT $3`,
      [topic ?? null, since ?? null, limit],
    );
    return rows.map((row) => ({
      consumerGroup: row.consumer_group,
      topic: row.topic,
      partition: row.partition,
      offset: row.offset,
      eventId: row.event_id,
      reason: row.reason,
      deadLetteredAt: row.dead_lettered_at.toISOString(),
    }));
  }
}
