import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { performance } from 'node:perf_hooks';

/**
 * The floor every Holdfast latency is compared with: bare kafkajs, one message produced (acks -1,
 * idempotent) and consumed at a time with maxWaitTimeInMs 10 and no commits on the hot path, as
 * bench/kafka-hop measures it. Returns the sorted hops in milliseconds.
 */
export async function measureBareHops(brokers: string[], count: number, log: (line: string) => void = () => {}): Promise<number[]> {
  const kafka = new Kafka({ clientId: 'bench-bare-hop', brokers, logLevel: logLevel.WARN });
  const topic = `bench.bare-hop.${Date.now().toString(36)}`;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${topic}.group`, maxWaitTimeInMs: 10 });
  await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
    let delivered: ((hop: number) => void) | undefined;
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => delivered?.(performance.now() - Number(message.headers?.['sent-at'])) });
    await joined;
    const hops: number[] = [];
    const warmUp = 20;
    for (let i = 0; i < warmUp + count; i++) {
      const consumed = new Promise<number>((resolve) => (delivered = resolve));
      await producer.send({ topic, acks: -1, messages: [{ key: 'IR', value: '{}', headers: { 'sent-at': String(performance.now()) } }] });
      const hop = await consumed;
      if (i >= warmUp) hops.push(hop);
    }
    log(`bare kafkajs hop: ${count} messages measured`);
    return hops.sort((a, b) => a - b);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
