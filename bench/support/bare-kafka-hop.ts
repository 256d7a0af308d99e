import { waitForLeaders } from '@holdfast/messaging';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { performance } from 'node:perf_hooks';
import { removeRunTopics } from '../../deploy/kafka/local-kafka.mjs';
import { warmPartitions } from './warm-partitions';

/** A bare producer and consumer on a topic of their own, ready to time one hop at a time. */
export interface BareHopProbe {
  /** One message produced and consumed; resolves the hop in milliseconds. */
  hop(): Promise<number>;
  close(): Promise<void>;
}

// As bench/kafka-hop: three partitions, keys taking turns, 50 hops to warm up.
const PARTITIONS = 3;
const KEYS = ['IR', 'US', 'DE', 'BR', 'IN', 'NP', 'JP', 'NG'];
const WARM_UP = 50;

/**
 * The floor every Holdfast latency is compared with: bare kafkajs, one message produced (acks -1,
 * idempotent) and consumed at a time with maxWaitTimeInMs 10 and no commits on the hot path, as
 * bench/kafka-hop measures it.
 */
export async function openBareHopProbe(brokers: string[]): Promise<BareHopProbe> {
  // Silent: on a broker just started, kafkajs logs the coordinator's expected "loading" refusals as
  // errors while it retries; a failure that outlasts the retries still throws.
  const kafka = new Kafka({ clientId: 'bench-bare-hop', brokers, logLevel: logLevel.NOTHING });
  // The probe's topic and consumer group share this prefix, so closing removes both in one call.
  const prefix = `bench.bare-hop.${Date.now().toString(36)}.`;
  const topic = `${prefix}hops`;
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  const consumer = kafka.consumer({ groupId: `${prefix}group`, maxWaitTimeInMs: 10 });
  await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
  const close = async () => {
    await consumer.disconnect();
    await producer.disconnect();
    await admin.disconnect();
    await removeRunTopics(brokers, prefix, { log: () => undefined });
  };
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: false });
    await waitForLeaders(admin, [topic]);
    // As the services' partitions are in bench/e2e: past the broker's first index write.
    await warmPartitions(brokers, [topic]);
    let delivered: ((hop: number) => void) | undefined;
    const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachMessage: async ({ message }) => delivered?.(performance.now() - Number(message.headers?.['sent-at'])) });
    await joined;
    let sent = 0;
    const hop = async () => {
      const consumed = new Promise<number>((resolve) => (delivered = resolve));
      const key = KEYS[sent++ % KEYS.length];
      await producer.send({ topic, acks: -1, messages: [{ key, value: '{}', headers: { 'sent-at': String(performance.now()) } }] });
      return consumed;
    };
    for (let i = 0; i < WARM_UP; i++) await hop();
    return { hop, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** `count` hops one after another, after the warm-up; returns them sorted, in milliseconds. */
export async function measureBareHops(brokers: string[], count: number, log: (line: string) => void = () => {}): Promise<number[]> {
  const probe = await openBareHopProbe(brokers);
  try {
    const hops: number[] = [];
    for (let i = 0; i < count; i++) hops.push(await probe.hop());
    log(`bare kafkajs hop: ${count} messages measured`);
    return hops.sort((a, b) => a - b);
  } finally {
    await probe.close();
  }
}
