import { createEvent, TopicSpecs, Topics, type HoldfastEvent, type TopicName } from '@holdfast/contracts';
import { runMigrations } from '@holdfast/database';
import { createTestDatabase, testEnvironment, uniqueTestId, type TestDatabase } from '@holdfast/testing';
import type { Kafka } from 'kafkajs';
import { DataSource, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
import { EventConsumer, type EventConsumerOptions, type EventRefusal } from '../consumer/event-consumer';
import { createKafka } from '../kafka/kafka-client.factory';
import { EventPublisher } from '../kafka/event-publisher';
import type { KafkaSettings } from '../kafka/kafka-settings';
import { silentLogger, type MessagingLogger } from '../kafka/messaging-logger';
import { provisionTopics } from '../kafka/topic-provisioner';
import { MessagingMigrations } from '../migrations/messaging-migrations';

export const TEST_SCHEMA = 'messaging_test';

/** The effect the test handlers apply: one row per group and event, unique so a second effect would fail loudly. */
class CreateEffectTable1764000000001 implements MigrationInterface {
  name = 'CreateEffectTable1764000000001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE effect (consumer_group text NOT NULL, event_id uuid NOT NULL, region text NOT NULL, PRIMARY KEY (consumer_group, event_id))');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE effect');
  }
}

export interface MessagingTestBed {
  database: TestDatabase;
  dataSource: DataSource;
  kafka: Kafka;
  settings: KafkaSettings;
  publisher: EventPublisher;
  close(): Promise<void>;
}

export interface MessagingTestBedOptions {
  /** A broker of the spec's own (one it pauses or stops) instead of the shared one. */
  brokers?: string[];
  /** The client for these settings, when a spec needs other timeouts than the services' own. */
  kafka?: (settings: KafkaSettings) => Kafka;
  /** Where the bed's publisher logs; silent by default. */
  logger?: MessagingLogger;
}

/** A fresh database with the messaging tables and an effect table, and this file's own topics on the real broker. */
export async function createMessagingTestBed(label: string, topics: TopicName[], options: MessagingTestBedOptions = {}): Promise<MessagingTestBed> {
  const environment = testEnvironment();
  const database = await createTestDatabase(label);
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    schema: TEST_SCHEMA,
    migrations: [...MessagingMigrations, CreateEffectTable1764000000001],
    extra: { max: 4, options: `-c search_path=${TEST_SCHEMA}` },
  });
  await dataSource.initialize();
  await runMigrations(dataSource, { info: () => undefined });
  const settings: KafkaSettings = { brokers: options.brokers ?? environment.kafkaBrokers, clientId: label, topicPrefix: `${uniqueTestId(label)}.` };
  const kafka = options.kafka?.(settings) ?? createKafka(settings, silentLogger);
  const admin = kafka.admin();
  await admin.connect();
  await provisionTopics(admin, settings, topics.map((topic) => TopicSpecs[topic]));
  await admin.disconnect();
  const publisher = new EventPublisher(kafka, settings, undefined, options.logger);
  await publisher.connect();
  return {
    database,
    dataSource,
    kafka,
    settings,
    publisher,
    close: async () => {
      await publisher.disconnect();
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/** The handler every spec consumer applies: records the event as its effect. */
export function recordEffect(group: string) {
  return async (event: HoldfastEvent<'traffic.sample'>, transaction: EntityManager): Promise<void> => {
    await transaction.query('INSERT INTO effect (consumer_group, event_id, region) VALUES ($1, $2, $3)', [group, event.id, event.data.region]);
  };
}

/** Effects applied, of the given events only when ids are given. */
export async function effectCount(dataSource: DataSource, eventIds?: string[]): Promise<number> {
  const [{ count }] = eventIds
    ? await dataSource.query('SELECT count(*)::int AS count FROM effect WHERE event_id = ANY($1::uuid[])', [eventIds])
    : await dataSource.query('SELECT count(*)::int AS count FROM effect');
  return count;
}

/** A traffic sample of now, the event every messaging spec sends. */
export function sampleEvent(region: string, value: number, source: string): HoldfastEvent<'traffic.sample'> {
  return createEvent('traffic.sample', { region, metric: 'requests', at: new Date().toISOString(), value, source }, { source });
}

export interface EffectConsumerOptions extends Pick<EventConsumerOptions<typeof Topics.trafficSamples>, 'retry' | 'commitIntervalMs' | 'metrics' | 'isRelevant' | 'partitionsConsumedConcurrently'>, Partial<Pick<EventConsumerOptions<typeof Topics.trafficSamples>, 'logger'>> {
  group: string;
  /** The bed's client unless a spec puts a fault between the consumer and the broker. */
  kafka?: Kafka;
  /** The bed's publisher unless a spec puts a fault in the consumer's dead-letter sends. */
  publisher?: Pick<EventPublisher, 'send'>;
  /** A limit on the messages the consumer reads; none by default. */
  maxMessageBytes?: number;
  /** Runs before the effect is recorded, in the handler's transaction; throwing from it makes the handler fail. */
  before?: (event: HoldfastEvent<'traffic.sample'>, transaction: EntityManager) => void | Promise<void>;
  /** Consume in batches: each Kafka batch (in slices of maxEvents) applied in one transaction, `beforeBatch` first. */
  batch?: {
    maxEvents?: number;
    idempotence?: 'event-ledger' | 'partition-offset';
    /** May refuse events by index: those get no effect and are dead-lettered in the batch's transaction. */
    beforeBatch?: (events: HoldfastEvent<'traffic.sample'>[], transaction: EntityManager) => void | readonly EventRefusal[] | Promise<void | readonly EventRefusal[]>;
  };
}

/** A consumer of the bed's samples topic whose handler records each event as its effect. */
export function effectConsumer(bed: MessagingTestBed, { group, before, batch, kafka, publisher, maxMessageBytes, logger, ...tuning }: EffectConsumerOptions): EventConsumer<typeof Topics.trafficSamples> {
  const record = recordEffect(group);
  const common = { kafka: kafka ?? bed.kafka, dataSource: bed.dataSource, publisher: publisher ?? bed.publisher, settings: { ...bed.settings, maxMessageBytes }, logger: logger ?? silentLogger, topic: Topics.trafficSamples, group, ...tuning };
  if (batch) {
    return new EventConsumer({
      ...common,
      batch: {
        maxEvents: batch.maxEvents,
        idempotence: batch.idempotence,
        handler: async (events, transaction) => {
          const refusals = (await batch.beforeBatch?.(events, transaction)) ?? [];
          const refused = new Set(refusals.map((refusal) => refusal.index));
          for (const [index, event] of events.entries()) {
            if (refused.has(index)) continue;
            await before?.(event, transaction);
            await record(event, transaction);
          }
          return refusals;
        },
      },
    });
  }
  return new EventConsumer({
    ...common,
    handlers: {
      'traffic.sample': async (event, transaction) => {
        await before?.(event, transaction);
        await record(event, transaction);
      },
    },
  });
}

/**
 * The bed's client, except that the group coordinator's answer to an offset commit is replaced by
 * the error a rebalance gives while `refuse()` says so. Everything else reaches the real broker.
 */
export function refusingCommits(kafka: Kafka, refuse: () => boolean): Kafka {
  return {
    consumer: (config: Parameters<Kafka['consumer']>[0]) => {
      const consumer = kafka.consumer(config);
      const commit = consumer.commitOffsets.bind(consumer);
      consumer.commitOffsets = async (offsets) => {
        if (refuse()) throw Object.assign(new Error('The group is rebalancing, so a rejoin is needed'), { type: 'REBALANCE_IN_PROGRESS' });
        return commit(offsets);
      };
      return consumer;
    },
    // The consumer reads the offsets of each assignment with it (CatchUp).
    admin: () => kafka.admin(),
  } as unknown as Kafka;
}
