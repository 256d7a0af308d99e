import { waitForLeaders } from '@holdfast/messaging';
import { expectEventually, testEnvironment } from '@holdfast/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRunTopics } from '../../deploy/kafka/local-kafka.mjs';
import { warmPartitions } from './warm-partitions';

describe('warmPartitions', () => {
  const { kafkaBrokers } = testEnvironment();
  const kafka = new Kafka({ clientId: 'warm-partitions-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  const prefix = `spec-warm-${Date.now().toString(36)}.`;
  const topic = `${prefix}region.surges.v1`;

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false });
    await waitForLeaders(admin, [topic]);
  });

  afterAll(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
    await removeRunTopics(kafkaBrokers, prefix, { log: () => undefined });
  });

  it('writes into every partition and hides it again, so a consumer from the beginning reads only what comes after', async () => {
    expect(await warmPartitions(kafkaBrokers, [topic])).toBe(3);

    // Each partition written past its two fillers and hidden up to its end. A produce kafkajs retried after the
    // broker had taken it writes a filler twice (the producer is not idempotent): CI saw 3 on two partitions.
    const offsets = (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition);
    expect(offsets.map(({ partition }) => partition)).toStrictEqual([0, 1, 2]);
    for (const { low, high } of offsets) {
      expect(low).toBe(high);
      expect(Number(high)).toBeGreaterThanOrEqual(2);
    }

    await producer.send({ topic, messages: [0, 1, 2].map((partition) => ({ partition, value: 'after' })) });
    const consumer = kafka.consumer({ groupId: `${prefix}reader`, maxWaitTimeInMs: 100 });
    // Each partition's first message read: the filler, had it stayed visible, comes before 'after' in its partition.
    const firstRead = new Map<number, string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ partition, message }) => void (firstRead.has(partition) || firstRead.set(partition, String(message.value))) });
    try {
      await expectEventually(() => expect(firstRead.size).toBe(3));
    } finally {
      await consumer.disconnect();
    }
    expect([...firstRead.values()]).toStrictEqual(['after', 'after', 'after']);
  });
});
