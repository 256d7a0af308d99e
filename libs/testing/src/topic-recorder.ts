import type { IHeaders, Kafka } from 'kafkajs';

export interface RecordedMessage {
  key: string | null;
  value: string;
  /** Header values as text. */
  headers: Record<string, string>;
  /** The key and headers as the broker holds them, for a spec that asserts on bytes. */
  raw: { key: Buffer | null; headers: IHeaders };
  partition: number;
  offset: string;
}

export interface TopicRecorder {
  /**
   * Every message the topic received since its start, in arrival order: a producer's duplicates
   * included (each has an offset of its own), the recorder's own redeliveries not.
   */
  messages: RecordedMessage[];
  stop(): Promise<void>;
}

/**
 * Reads a topic from its beginning into memory, to assert on what the broker really holds. The group
 * only names the consumer: it never commits, so reusing a group name never skips messages.
 */
export async function recordTopic(kafka: Kafka, topic: string, groupId: string): Promise<TopicRecorder> {
  const messages: RecordedMessage[] = [];
  // A rebalance hands the recorder its partitions again from the start: it commits nothing.
  const recorded = new Set<string>();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // Nothing committed: a later recorder under the same group still reads from the start, not where this one stopped.
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const position = `${partition}:${message.offset}`;
      if (recorded.has(position)) return;
      recorded.add(position);
      const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]));
      messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers, raw: { key: message.key, headers: message.headers ?? {} }, partition, offset: message.offset });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}
