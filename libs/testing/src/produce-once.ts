import { Partitioners, type Kafka, type Message } from 'kafkajs';

/**
 * Writes messages to a topic exactly once, with an idempotent producer. A plain kafkajs producer
 * resends a whole request when one partition in it refuses (a leader still settling on a new
 * topic, a timeout), so the partitions that had taken it hold a second copy; the broker drops
 * an idempotent producer's resends. Specs that count what arrived need the count they sent.
 */
export async function produceOnce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}
