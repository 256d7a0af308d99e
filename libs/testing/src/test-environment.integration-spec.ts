import { Kafka, Partitioners, logLevel, type Consumer, type Producer } from 'kafkajs';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './test-database';
import { testEnvironment } from './test-environment';
import { expectEventually } from './expect-eventually';
import { uniqueTestId } from './unique-test-id';

describe('the integration test environment', () => {
  const { kafkaBrokers, databaseUrl } = testEnvironment();
  const id = uniqueTestId('test-environment');
  const kafka = new Kafka({ clientId: id, brokers: kafkaBrokers, logLevel: logLevel.WARN });
  let producer: Producer;
  let consumer: Consumer;

  beforeAll(async () => {
    producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
    consumer = kafka.consumer({ groupId: id, maxWaitTimeInMs: 50 });
  });

  afterAll(async () => {
    await Promise.all([producer.disconnect(), consumer.disconnect()]);
  });

  it('round-trips a keyed message through a freshly created topic', async () => {
    const topic = `${id}.round-trip`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: false })).toBe(true);
      // kafkajs's own leader wait gives up if the broker's metadata lags the controller: poll instead.
      await expectEventually(async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
        expect(topics[0].partitions.filter((partition) => partition.leader >= 0)).toHaveLength(3);
      });
    } finally {
      await admin.disconnect();
    }

    const received: Array<{ key: string; value: string; partition: number }> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        received.push({ key: String(message.key), value: String(message.value), partition });
      },
    });

    await producer.connect();
    const [ack] = await producer.send({ topic, acks: -1, messages: [{ key: 'IR', value: 'surge.started' }] });

    await expectEventually(() => expect(received).toEqual([{ key: 'IR', value: 'surge.started', partition: ack.partition }]), {
      message: 'the produced message is consumed',
    });
  });

  it('creates an empty database per test file and drops it, connections and all', async () => {
    const database = await createTestDatabase('test environment');
    expect(database.name).toMatch(/^holdfast_t_test_environment_[0-9a-f]{8}$/);

    const client = new Client({ connectionString: database.url });
    await client.connect();
    client.on('error', () => undefined); // the drop below terminates this connection on purpose
    const { rows } = await client.query<{ name: string }>('select current_database() as name');
    expect(rows[0].name).toBe(database.name);

    await database.drop();
    await database.drop(); // idempotent

    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const left = await admin.query('select 1 from pg_database where datname = $1', [database.name]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
    await client.end().catch(() => undefined);
  });
});
