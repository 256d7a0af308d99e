import { Partitioners, type Kafka, type Message } from 'kafkajs';

/**
 * Writes messages to a topic exactly once, with an idempotent producer. A plain kafkajs producer
 * resends a whole request when one partition in it refuses (a leader still settling on a new
 * topic, a timeout), so the partitions that had taken it hold a second copy; the broker drops
 * an idempotent producer's resends. Specs that count what arrived need the count they sent.
 *
 * A message without a key goes to partition 0. kafkajs partitions a resend again and would
 * round-robin it into another partition's batch, whose sequence the broker then refuses as out
 * of order (seen once in CI).
 */
export async function produceOnce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, messages: messages.map((message) => (message.key == null && message.partition === undefined ? { ...message, partition: 0 } : message)) });
  } finally {
    await producer.disconnect();
  }
}
