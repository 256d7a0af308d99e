// The baseline for every Kafka figure in Holdfast: bare kafkajs produce -> consume latency of one
// hop and consume throughput, per consumer commit strategy. Run: npm run bench:kafka-hop
// (KAFKA_BROKERS to use another broker; HOP_MESSAGES / THROUGHPUT_MESSAGES to resize).
import console from 'node:console';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import { Kafka, Partitioners, logLevel } from 'kafkajs';
import { localKafkaConfig, removeRunTopics, startKafka } from '../../deploy/kafka/local-kafka.mjs';

const PARTITIONS = 3;
const WARM_UP = 50;
const HOP_MESSAGES = Number(process.env.HOP_MESSAGES || 1_000);
const THROUGHPUT_MESSAGES = Number(process.env.THROUGHPUT_MESSAGES || 20_000);
const PRODUCE_BATCH = 1_000;
const KEYS = ['IR', 'US', 'DE', 'BR', 'IN', 'NP', 'JP', 'NG'];
const PAYLOAD = JSON.stringify({ region: 'IR', metric: 'requests_per_second', at: new Date(0).toISOString(), value: 1234.5 });
const resultsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../results');

// The first case is the baseline the others are compared to.
const CASES = [
  { id: 'defaults', label: 'kafkajs defaults (autoCommit after every batch, maxWaitTimeInMs 5000)', consumer: {}, autoCommit: true },
  { id: 'wait10', label: 'maxWaitTimeInMs 10, autoCommit after every batch', consumer: { maxWaitTimeInMs: 10 }, autoCommit: true },
  {
    id: 'wait10-timer-commit',
    label: 'maxWaitTimeInMs 10, autoCommit off, offsets committed every 1 s off the hot path',
    consumer: { maxWaitTimeInMs: 10 },
    autoCommit: false,
    commitEveryMs: 1_000,
  },
  { id: 'wait10-no-commit', label: 'maxWaitTimeInMs 10, autoCommit off, no commits (floor)', consumer: { maxWaitTimeInMs: 10 }, autoCommit: false },
];

const log = (line) => console.log(`[kafka-hop] ${line}`);

function percentile(sorted, q) {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms (is the broker healthy?)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** A consumer for `topic` in its own group; `onMessage` gets each message and the hop in ms. */
async function startConsumer(kafka, topic, spec, onMessage) {
  const consumer = kafka.consumer({ groupId: `${topic}.group`, ...spec.consumer });
  const joined = new Promise((resolve) => consumer.on(consumer.events.GROUP_JOIN, resolve));
  const next = new Map(); // partition -> next offset, for the timer commits
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: spec.autoCommit,
    eachMessage: async ({ partition, message }) => {
      next.set(partition, (BigInt(message.offset) + 1n).toString());
      onMessage(performance.now() - Number(message.headers['sent-at']));
    },
  });
  // Committing from a timer: the fetch loop never waits for the group coordinator.
  const timer =
    spec.commitEveryMs &&
    setInterval(() => {
      const offsets = [...next].map(([partition, offset]) => ({ topic, partition, offset }));
      consumer.commitOffsets(offsets).catch((error) => log(`background commit failed: ${error.message}`));
    }, spec.commitEveryMs);
  await withTimeout(joined, 30_000, `joining group ${topic}.group`);
  return {
    stop: async () => {
      if (timer) clearInterval(timer);
      await consumer.disconnect();
    },
  };
}

/** One message at a time, the next sent once the previous one is consumed (as Kafka's EndToEndLatency does). */
async function measureHops(kafka, producer, topic, spec) {
  let delivered;
  const consumer = await startConsumer(kafka, topic, spec, (hop) => delivered?.(hop));
  const acks = [];
  const hops = [];
  let lastProgress = performance.now();
  try {
    for (let i = 0; i < WARM_UP + HOP_MESSAGES; i++) {
      const consumed = new Promise((resolve) => (delivered = resolve));
      const sentAt = performance.now();
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: KEYS[i % KEYS.length], value: PAYLOAD, headers: { 'sent-at': String(sentAt) } }],
      });
      const ack = performance.now() - sentAt;
      const hop = await withTimeout(consumed, 15_000, `message ${i} on ${topic}`);
      if (i >= WARM_UP) {
        acks.push(ack);
        hops.push(hop);
      }
      if (performance.now() - lastProgress >= 2_000) {
        log(`  ${spec.id}: ${hops.length}/${HOP_MESSAGES} hops`);
        lastProgress = performance.now();
      }
    }
  } finally {
    await consumer.stop();
  }
  return { acks: acks.sort((a, b) => a - b), hops: hops.sort((a, b) => a - b) };
}

/** Produces THROUGHPUT_MESSAGES first, then times one consumer reading them, first message to last. */
async function measureThroughput(kafka, producer, topic, spec) {
  const produceStarted = performance.now();
  for (let sent = 0; sent < THROUGHPUT_MESSAGES; sent += PRODUCE_BATCH) {
    const sentAt = String(performance.now());
    const messages = Array.from({ length: Math.min(PRODUCE_BATCH, THROUGHPUT_MESSAGES - sent) }, (_, i) => ({
      key: KEYS[(sent + i) % KEYS.length],
      value: PAYLOAD,
      headers: { 'sent-at': sentAt },
    }));
    await producer.send({ topic, acks: -1, messages });
  }
  const produceSeconds = (performance.now() - produceStarted) / 1000;

  let received = 0;
  let first = 0;
  let done;
  const all = new Promise((resolve) => (done = resolve));
  const consumer = await startConsumer(kafka, topic, spec, () => {
    if (received++ === 0) first = performance.now();
    if (received === THROUGHPUT_MESSAGES) done(performance.now());
  });
  try {
    const last = await withTimeout(all, 120_000, `consuming ${THROUGHPUT_MESSAGES} messages from ${topic}`);
    return { producePerSecond: THROUGHPUT_MESSAGES / produceSeconds, consumePerSecond: (THROUGHPUT_MESSAGES - 1) / ((last - first) / 1000) };
  } finally {
    await consumer.stop();
  }
}

function brokersFromEnv() {
  return process.env.KAFKA_BROKERS?.split(',').map((broker) => broker.trim()).filter(Boolean);
}

function printTable(rows) {
  const [base] = rows;
  const ms = (value) => value.toFixed(1);
  const ratio = (value, baseline) => `x${(value / baseline).toFixed(2)}`;
  const table = [
    ['case', 'ack p50/p99 ms', 'hop p50/p99 ms', 'hop p50 vs base', 'produce msg/s', 'consume msg/s', 'consume vs base'],
    ...rows.map((row) => [
      row.label,
      `${ms(row.ackP50)} / ${ms(row.ackP99)}`,
      `${ms(row.hopP50)} / ${ms(row.hopP99)}`,
      row === base ? 'baseline' : ratio(row.hopP50, base.hopP50),
      Math.round(row.producePerSecond).toString(),
      Math.round(row.consumePerSecond).toString(),
      row === base ? 'baseline' : ratio(row.consumePerSecond, base.consumePerSecond),
    ]),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
  const format = (line) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  console.log(format(table[0]));
  console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  for (const line of table.slice(1)) console.log(format(line));
}

async function main() {
  const brokers = brokersFromEnv() ?? (await startKafka(localKafkaConfig(), { log })).brokers;
  // Silent: on a broker just started, kafkajs logs the coordinator's expected "loading" refusals as
  // errors while it retries; a failure that outlasts the retries still throws.
  const kafka = new Kafka({ clientId: 'bench-kafka-hop', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([admin.connect(), producer.connect()]);
  // Every topic and consumer group of the run starts with this, so it is removed in one call.
  const runPrefix = `bench.kafka-hop.${Date.now().toString(36)}.`;
  const rows = [];
  log(
    `kafkajs on node ${process.version}, brokers ${brokers.join(',')}: ${PARTITIONS} partitions, ` +
      `${HOP_MESSAGES} hops one at a time (acks -1, idempotent; ${WARM_UP} warm-up), ${THROUGHPUT_MESSAGES} messages for throughput`,
  );
  try {
    for (const spec of CASES) {
      const hopTopic = `${runPrefix}${spec.id}`;
      const batchTopic = `${hopTopic}.batch`;
      await admin.createTopics({
        topics: [hopTopic, batchTopic].map((topic) => ({ topic, numPartitions: PARTITIONS })),
        waitForLeaders: false,
      });
      await waitForLeaders(brokers, [hopTopic, batchTopic]);
      log(`${spec.id}: ${spec.label}`);
      const { acks, hops } = await measureHops(kafka, producer, hopTopic, spec);
      log(`  ${spec.id}: hop p50 ${percentile(hops, 0.5).toFixed(1)} ms; measuring throughput`);
      const throughput = await measureThroughput(kafka, producer, batchTopic, spec);
      rows.push({
        id: spec.id,
        label: spec.label,
        ackP50: percentile(acks, 0.5),
        ackP99: percentile(acks, 0.99),
        hopP50: percentile(hops, 0.5),
        hopP99: percentile(hops, 0.99),
        ...throughput,
      });
    }
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
    await removeRunTopics(brokers, runPrefix, { log });
  }

  console.log();
  printTable(rows);
  log('one run on a possibly shared machine: compare the ratios within a run, not absolute figures across runs');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, 'kafka-hop.json');
  const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
  // kafkajs as it comes, and the floor: no commits at all.
  const headline = { defaultsHopP50Ms: byId.defaults.hopP50, defaultsHopP99Ms: byId.defaults.hopP99, floorHopP50Ms: byId['wait10-no-commit'].hopP50, floorHopP99Ms: byId['wait10-no-commit'].hopP99 };
  fs.writeFileSync(file, `${JSON.stringify({ name: 'kafka-hop', measuredAt: new Date().toISOString(), node: process.version, headline, brokers, rows }, null, 2)}\n`);
  log(`results written to ${path.relative(process.cwd(), file)}`);
}

main().catch((error) => {
  console.error(`[kafka-hop] failed: ${error.stack ?? error}`);
  process.exit(1);
});

/**
 * Until every partition of `topics` has a leader that serves it (kafkajs's own leader wait gives up
 * while the broker's metadata still lags the controller). On a silent client of its own: a
 * partition created a moment ago is listed with its leader before that leader serves it, and the
 * refusals in between (not the leader) are expected, not errors worth a log line.
 */
async function waitForLeaders(brokers, topics) {
  const admin = new Kafka({ clientId: 'bench-kafka-hop-setup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      try {
        const metadata = await admin.fetchTopicMetadata({ topics });
        if (metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) {
          // Answered by each partition's leader, so only once it serves the partition.
          await Promise.all(topics.map((topic) => admin.fetchTopicOffsets(topic)));
          return;
        }
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no serving leader after 30 s: ${error.message}`);
      }
      if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after 30 s`);
      await new Promise((wake) => setTimeout(wake, 50));
    }
  } finally {
    await admin.disconnect();
  }
}
