import type { TopicName } from '@holdfast/contracts';
import { withoutStatementValues } from '@holdfast/database';
import { MetricsRegistry } from '@holdfast/observability';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import type { CatchingUp } from '../consumer/catch-up';
import { EventConsumer, type EventConsumerOptions, type StoppedConsumer } from '../consumer/event-consumer';
import { DEFAULT_LEDGER_RETENTION_MS, LedgerPruner } from '../consumer/ledger-pruner';
import { createKafka } from '../kafka/kafka-client.factory';
import { EventPublisher } from '../kafka/event-publisher';
import { kafkaFailure } from '../kafka/kafka-wait';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { provisionTopics, warnOfTopicsOutlivingTheLedger } from '../kafka/topic-provisioner';
import { OutboxRelay } from '../outbox/outbox-relay';
import { OutboxWriter } from '../outbox/outbox-writer';
import { MESSAGING_OPTIONS, type MessagingOptions } from './messaging.options';

type ConsumerRequest<T extends TopicName> = Pick<EventConsumerOptions<T>, 'topic' | 'group' | 'handlers' | 'batch' | 'ignore' | 'isRelevant' | 'refusalOf' | 'onTombstone' | 'retry' | 'partitionsConsumedConcurrently' | 'maxFetchBytes'>;

/**
 * Kafka for one service: topics provisioned and the producer connected before anything starts,
 * the outbox relay running, and on shutdown the consumers stopped first, then the relay drained,
 * then the connections closed, so what was done is committed and published.
 */
@Injectable()
export class MessagingRuntime implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  readonly kafka: Kafka;
  readonly publisher: EventPublisher;
  readonly outbox: OutboxWriter;
  private readonly admin: Admin;
  private readonly relay: OutboxRelay;
  private readonly ledgerPruner: LedgerPruner;
  private readonly ledgerRetentionMs: number;
  private readonly consumers: EventConsumer<TopicName>[] = [];
  private readonly logger: MessagingLogger;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions,
    private readonly dataSource: DataSource,
    private readonly metrics: MetricsRegistry,
  ) {
    this.logger = nestLogger(new Logger('Messaging'));
    this.kafka = createKafka(options.kafka, this.logger);
    this.admin = this.kafka.admin();
    this.publisher = new EventPublisher(this.kafka, options.kafka, metrics, this.logger);
    const schema = (dataSource.options as { schema?: string }).schema ?? 'public';
    this.outbox = new OutboxWriter(schema);
    this.relay = new OutboxRelay({ dataSource, publisher: this.publisher, logger: this.logger, metrics, maxMessageBytes: options.kafka.maxMessageBytes, ...options.relay });
    // What this process commits is published at once; LISTEN/NOTIFY and the poll remain for the rest.
    this.outbox.publishThrough(this.relay);
    this.ledgerRetentionMs = options.ledger?.retentionMs ?? DEFAULT_LEDGER_RETENTION_MS;
    this.ledgerPruner = new LedgerPruner({ dataSource, logger: this.logger, retentionMs: this.ledgerRetentionMs });
  }

  /** A consumer in this service's group namespace; it starts with the application. */
  consumer<T extends TopicName>(request: ConsumerRequest<T>): EventConsumer<T> {
    const consumer = new EventConsumer<T>({
      ...request,
      kafka: this.kafka,
      dataSource: this.dataSource,
      publisher: this.publisher,
      settings: this.options.kafka,
      logger: this.logger,
      metrics: this.metrics,
      admin: this.admin,
    });
    this.consumers.push(consumer as unknown as EventConsumer<TopicName>);
    return consumer;
  }

  /** Whether the broker answers; used by readiness. */
  async describeCluster(): Promise<{ brokers: number; controller: number | null }> {
    const cluster = await this.admin.describeCluster();
    return { brokers: cluster.brokers.length, controller: cluster.controller };
  }

  /**
   * How long the broker has not answered this service's consumers of `topic` (the longest of them),
   * or undefined when it has none: for answers that hold only if nothing was published meanwhile.
   */
  silentForMs(topic: TopicName): number | undefined {
    const silences = this.consumers.filter((consumer) => consumer.topic === topic).map((consumer) => consumer.silentForMs());
    return silences.length ? Math.max(...silences) : undefined;
  }

  /**
   * How long ago this service's consumers of `topic` were heard again after a silence longer than
   * `longerThanMs` (the most recent of them), or undefined when none had one in the last hour.
   */
  heardAgainForMs(topic: TopicName, longerThanMs: number): number | undefined {
    const recoveries = this.consumers.filter((consumer) => consumer.topic === topic).flatMap((consumer) => consumer.heardAgainForMs(longerThanMs) ?? []);
    return recoveries.length ? Math.min(...recoveries) : undefined;
  }

  /**
   * What this service's consumers of `topic` are catching up after, and how far behind, until each has
   * applied what its partitions held when they were assigned to it; undefined once all have, or when it has none.
   */
  catchingUp(topic: TopicName): CatchingUp | undefined {
    for (const consumer of this.consumers) {
      const behind = consumer.topic === topic ? consumer.catchingUp() : undefined;
      if (behind) return behind;
    }
    return undefined;
  }

  /** The consumers kafkajs stopped for good, which read nothing more; used by readiness. */
  stoppedConsumers(): StoppedConsumer[] {
    return this.consumers.flatMap((consumer) => consumer.stoppedForGood() ?? []);
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.admin.connect();
      const created = await provisionTopics(this.admin, this.options.kafka, this.options.topics);
      if (created.length) this.logger.info({ topics: created }, 'created topics');
      await this.publisher.connect();
    } catch (error) {
      throw kafkaFailure(this.options.kafka, error);
    }
    await warnOfTopicsOutlivingTheLedger(this.admin, this.options, this.ledgerRetentionMs, this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
    this.relay.start();
    this.ledgerPruner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
    await this.relay.stop();
    await this.ledgerPruner.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher.disconnect();
    await this.admin.disconnect();
  }
}

/**
 * Every messaging class logs through this one writer, so a failed statement (a handler's, the
 * ledger's, the outbox's, a dead letter's) reaches the log without the event data or secrets
 * its parameters and PostgreSQL's detail quote.
 */
function nestLogger(logger: Logger): MessagingLogger {
  const line = (fields: object, message: string) => ('err' in fields ? { ...fields, err: withoutStatementValues(fields.err), msg: message } : { ...fields, msg: message });
  return {
    debug: (fields, message) => logger.debug(line(fields, message)),
    info: (fields, message) => logger.log(line(fields, message)),
    warn: (fields, message) => logger.warn(line(fields, message)),
    error: (fields, message) => logger.error(line(fields, message)),
  };
}
