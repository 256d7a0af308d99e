import { encodeEvent, topicOfEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { EntityManager } from 'typeorm';

/** The channel a relay listens on; one per schema so services sharing a database don't wake each other. */
export function outboxChannel(schema: string): string {
  return `outbox_${schema.replace(/[^a-z0-9_]/gi, '_')}`;
}

/**
 * Writes events to the outbox inside the caller's transaction: they are published if and only
 * if the change they describe commits.
 */
export class OutboxWriter {
  constructor(private readonly schema: string) {}

  async add(manager: EntityManager, ...events: HoldfastEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('OutboxWriter.add needs the EntityManager of an open transaction, so the events commit with the change.');
    }
    const values: unknown[] = [];
    const rows = events.map((event, index) => {
      const record = encodeEvent(event);
      values.push(event.id, event.type, topicOfEvent(event.type), record.key, JSON.stringify(record.headers), JSON.stringify(event.data));
      const at = index * 6;
      return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}::jsonb, $${at + 6}::jsonb)`;
    });
    await manager.query(`INSERT INTO outbox_message (event_id, event_type, topic, message_key, headers, payload) VALUES ${rows.join(', ')}`, values);
    // Delivered only on commit: the relay wakes as soon as the rows are visible.
    await manager.query('SELECT pg_notify($1, $2)', [outboxChannel(this.schema), '']);
  }
}
