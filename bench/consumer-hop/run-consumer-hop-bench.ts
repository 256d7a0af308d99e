/**
 * What Holdfast's messaging costs on top of a bare kafkajs hop, one event at a time, against bare
 * kafkajs consumers in the same run: (1) the idempotent consumer, the event applied in PostgreSQL
 * together with its processed-event ledger row; (2) a whole service hop with no domain work, as
 * the planner makes it: the event applied, a follow-on event written to the outbox in the same
 * transaction, published by the relay, and read by a bare consumer. Run: npm run bench:consumer-hop
 * (KAFKA_BROKERS / DATABASE_URL to use others; HOP_MESSAGES to resize).
 */
import { causedBy, createEvent, EventExamples, Topics, TopicSpecs, type HoldfastEvent } from '@holdfast/contracts';
import { runMigrations } from '@holdfast/database';
import {
  MessagingMigrations,
  createKafka,
  DEFAULT_FETCH_WAIT_MS,
  EventConsumer,
  EventPublisher,
  OutboxRelay,
  OutboxWriter,
  physicalTopic,
  provisionTopics,
  silentLogger,
  type KafkaSettings,
} from '@holdfast/messaging';
import { MetricsRegistry } from '@holdfast/observability';
import { Client } from 'pg';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { localKafkaConfig, removeRunTopics, startKafka } from '../../deploy/kafka/local-kafka.mjs';
import { HOP_HISTOGRAMS, parseHistograms, summarize } from '../e2e/service-histograms';
import { percentile, writeResults } from '../support/bench-table';

const HOP_MESSAGES = Number(process.env.HOP_MESSAGES ?? 500);
const WARM_UP = 30;
const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SCHEMA = 'consumer_hop_bench';
const log = (line: string) => process.stdout.write(`[consumer-hop] ${line}\n`);

interface HopCase {
  label: string;
  /** Starts a consumer that calls `applied(eventId)` once the event's effect is done; returns its stop. */
  start(settings: KafkaSettings, kafka: Kafka, applied: (eventId: string) => void): Promise<() => Promise<void>>;
}

function bareKafkajs(label: string, autoCommit: boolean): HopCase {
  return {
    label,
    async start(settings, kafka, applied) {
      const consumer = kafka.consumer({ groupId: `${settings.topicPrefix}bare-${autoCommit}`, maxWaitTimeInMs: 10 });
      await consumer.connect();
      await consumer.subscribe({ topic: physicalTopic(settings, Topics.trafficSamples), fromBeginning: true });
      await consumer.run({ autoCommit, eachMessage: async ({ message }) => applied(String(message.headers?.ce_id)) });
      return () => consumer.disconnect();
    },
  };
}

function holdfastConsumer(dataSource: DataSource, publisher: EventPublisher, maxWaitTimeInMs: number): HopCase {
  return {
    label: `Holdfast EventConsumer, fetch wait ${maxWaitTimeInMs} ms: decode + validate, effect and ledger committed in PostgreSQL, offsets every 1 s`,
    async start(settings, kafka, applied) {
      const consumer = new EventConsumer({
        kafka,
        dataSource,
        publisher,
        settings,
        logger: silentLogger,
        topic: Topics.trafficSamples,
        group: 'holdfast',
        maxWaitTimeInMs,
        handlers: {
          'traffic.sample': async (event, transaction) => {
            await transaction.query('INSERT INTO effect (event_id, value) VALUES ($1, $2)', [event.id, event.data.value]);
            // PostgreSQL delivers a notification only on commit: the hop ends when the effect is visible.
            await transaction.query('SELECT pg_notify($1, $2)', ['consumer_hop_applied', event.id]);
          },
        },
      });
      const listener = new Client({ connectionString: (dataSource.options as { url: string }).url });
      await listener.connect();
      listener.on('notification', (notification) => applied(notification.payload ?? ''));
      await listener.query('LISTEN consumer_hop_applied');
      await consumer.start();
      return async () => {
        await consumer.stop();
        await listener.end();
      };
    },
  };
}

/**
 * A service hop without domain work, wired as MessagingRuntime wires it (the consumer's default
 * fetch wait, the relay woken in process on commit): each bench sample is applied and answered by
 * a surge.started in the outbox; the hop ends when a bare consumer reads it from region.surges.v1.
 */
function holdfastServiceHop(dataSource: DataSource, publisher: EventPublisher): HopCase {
  return {
    label: 'Holdfast service hop: effect, ledger and a follow-on surge.started in the outbox in one transaction, relay publishes it, bare consumer reads it',
    async start(settings, kafka, applied) {
      const outbox = new OutboxWriter(SCHEMA);
      const metrics = new MetricsRegistry('consumer-hop-bench', false);
      const relay = new OutboxRelay({ dataSource, publisher, logger: silentLogger, metrics });
      outbox.publishThrough(relay);
      const consumer = new EventConsumer({
        kafka,
        dataSource,
        publisher,
        settings,
        logger: silentLogger,
        topic: Topics.trafficSamples,
        group: 'holdfast-service',
        metrics,
        handlers: {
          'traffic.sample': async (event, transaction) => {
            await transaction.query('INSERT INTO effect (event_id, value) VALUES ($1, $2)', [event.id, event.data.value]);
            // What the analyzer writes when a sample surges: a surge.started caused by it, on another topic.
            await outbox.add(transaction, createEvent('surge.started', { ...EventExamples['surge.started'], region: event.data.region }, { source: 'consumer-hop-bench', ...causedBy(event) }));
          },
        },
      });
      const reader = kafka.consumer({ groupId: `${settings.topicPrefix}follow-on-reader`, maxWaitTimeInMs: 10 });
      await reader.connect();
      await reader.subscribe({ topic: physicalTopic(settings, Topics.regionSurges), fromBeginning: true });
      await reader.run({ autoCommit: false, eachMessage: async ({ message }) => applied(String(message.headers?.ce_causationid)) });
      relay.start();
      await consumer.start();
      return async () => {
        await consumer.stop();
        await relay.stop();
        await reader.disconnect();
        log('  the service hop\'s parts (its histograms, warm-up included; quantiles interpolated within buckets):');
        for (const part of summarize(new Map(), parseHistograms(await metrics.registry.metrics(), HOP_HISTOGRAMS))) {
          log(`    ${part.series}: ${part.count} observed, ~p50 ${part.p50Ms.toFixed(1)} ms, ~p99 ${part.p99Ms.toFixed(1)} ms`);
        }
      };
    },
  };
}

async function measure(hopCase: HopCase, settings: KafkaSettings, kafka: Kafka, publisher: EventPublisher): Promise<number[]> {
  const waiting = new Map<string, () => void>();
  const stop = await hopCase.start(settings, kafka, (eventId) => waiting.get(eventId)?.());
  const hops: number[] = [];
  try {
    for (let index = 0; index < WARM_UP + HOP_MESSAGES; index++) {
      const event: HoldfastEvent<'traffic.sample'> = createEvent(
        'traffic.sample',
        { region: 'IR', metric: 'requests', at: new Date().toISOString(), value: index, source: 'bench' },
        { source: 'consumer-hop-bench' },
      );
      const applied = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${hopCase.label}: event ${index} not applied within 10 s`)), 10_000);
        waiting.set(event.id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      const started = performance.now();
      await publisher.publish(event);
      await applied;
      waiting.delete(event.id);
      if (index >= WARM_UP) hops.push(performance.now() - started);
      if ((index + 1) % 200 === 0) log(`  ${hopCase.label.split(':')[0]}: ${index + 1}/${WARM_UP + HOP_MESSAGES}`);
    }
  } finally {
    await stop();
  }
  return hops.sort((a, b) => a - b);
}

async function main(): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',') ?? (await startKafka(localKafkaConfig(), { log: (line) => log(line) })).brokers;
  const databaseName = `holdfast_bench_${Date.now().toString(36)}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${databaseName}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${databaseName}`;
  const dataSource = new DataSource({
    type: 'postgres',
    url: url.toString(),
    schema: SCHEMA,
    migrations: [...MessagingMigrations],
    extra: { max: 4, options: `-c search_path=${SCHEMA}` },
  });
  const results: { label: string; hops: number[] }[] = [];
  try {
    await dataSource.initialize();
    await runMigrations(dataSource, { info: log });
    await dataSource.query('CREATE TABLE effect (event_id uuid PRIMARY KEY, value double precision NOT NULL)');
    const cases: ((publisher: EventPublisher) => HopCase)[] = [
      () => bareKafkajs('bare kafkajs: autoCommit after every batch (its default)', true),
      () => bareKafkajs('bare kafkajs: autoCommit off, no commits (the floor)', false),
      (publisher) => holdfastConsumer(dataSource, publisher, 10),
      (publisher) => holdfastConsumer(dataSource, publisher, DEFAULT_FETCH_WAIT_MS),
      (publisher) => holdfastServiceHop(dataSource, publisher),
    ];
    for (const [index, makeCase] of cases.entries()) {
      // Each case gets its own topic, so none reads another's backlog.
      const settings: KafkaSettings = { brokers, clientId: 'consumer-hop-bench', topicPrefix: `bench-${Date.now().toString(36)}-${index}.` };
      const kafka = createKafka(settings, silentLogger);
      const topicAdmin = kafka.admin();
      await topicAdmin.connect();
      await provisionTopics(topicAdmin, settings, [TopicSpecs[Topics.trafficSamples], TopicSpecs[Topics.regionSurges]]);
      await topicAdmin.disconnect();
      const publisher = new EventPublisher(kafka, settings);
      await publisher.connect();
      const hopCase = makeCase(publisher);
      log(`measuring: ${hopCase.label} (${HOP_MESSAGES} events one at a time, after ${WARM_UP} to warm up)`);
      results.push({ label: hopCase.label, hops: await measure(hopCase, settings, kafka, publisher) });
      await publisher.disconnect();
      await removeRunTopics(brokers, settings.topicPrefix, { log: (line) => log(line) });
    }
  } finally {
    await dataSource.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  }
  const floor = percentile(results[1].hops, 0.5);
  log(`produce (acks -1, idempotent) -> applied, ${HOP_MESSAGES} hops each, node ${process.version}; ratios against the bare floor of this run`);
  console.table(
    results.map(({ label, hops }) => ({
      case: label,
      'p50 ms': percentile(hops, 0.5).toFixed(2),
      'p99 ms': percentile(hops, 0.99).toFixed(2),
      'p50 vs floor': `x${(percentile(hops, 0.5) / floor).toFixed(2)}`,
    })),
  );
  const [, bare, , consumer, serviceHop] = results.map(({ hops }) => ({ p50: round2(percentile(hops, 0.5)), p99: round2(percentile(hops, 0.99)) }));
  // The floor, the consumer with the services' fetch wait, and a whole service hop.
  const headline = { bareHopP50Ms: bare.p50, bareHopP99Ms: bare.p99, consumerP50Ms: consumer.p50, consumerP99Ms: consumer.p99, serviceHopP50Ms: serviceHop.p50, serviceHopP99Ms: serviceHop.p99 };
  const file = writeResults('consumer-hop', headline, {
    hops: HOP_MESSAGES,
    cases: results.map(({ label, hops }) => ({ case: label, p50Ms: round2(percentile(hops, 0.5)), p99Ms: round2(percentile(hops, 0.99)) })),
  });
  log(`figures in ${file}`);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

main().catch((error: Error) => {
  process.stderr.write(`[consumer-hop] failed: ${error.message}\nIs PostgreSQL up (DATABASE_URL) and the broker reachable (npm run kafka:status)?\n`);
  process.exit(1);
});
