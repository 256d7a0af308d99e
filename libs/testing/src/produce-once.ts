import { Partitioners, type ICustomPartitioner, type Kafka, type Message } from 'kafkajs';

/**
 * The Java client's partitioner, except that a message keeps the partition it was first given.
 * kafkajs partitions a send again on every retry, and round-robins messages without a key: a
 * retried keyless message could join another partition's batch, whose sequence numbers the
 * broker then refuses as out of order (seen once in CI) instead of dropping the resend.
 */
export const firstChoicePartitioner: ICustomPartitioner = () => {
  const partitionOf = Partitioners.DefaultPartitioner();
  const chosen = new WeakMap<Message, number>();
  return (args) => {
    const partition = chosen.get(args.message) ?? partitionOf(args);
    chosen.set(args.message, partition);
    return partition;
  };
};

/**
 * Writes messages to a topic exactly once, with an idempotent producer. A plain kafkajs producer
 * resends a whole request when one partition in it refuses (a leader still settling on a new
 * topic, a timeout), so the partitions that had taken it hold a second copy; the broker drops
 * an idempotent producer's resends. Specs that count what arrived need the count they sent.
 */
export async function produceOnce(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, createPartitioner: firstChoicePartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, messages });
  } finally {
    await producer.disconnect();
  }
}
