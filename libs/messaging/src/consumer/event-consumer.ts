import {
  ContractViolation,
  decodeEvent,
  deadLetterTopicOf,
  type EventType,
  type EventTypeOf,
  type HoldfastEvent,
  type TopicName,
} from '@holdfast/contracts';
import type { MetricsRegistry } from '@holdfast/observability';
import { backOff } from 'exponential-backoff';
import type { Consumer, EachMessagePayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import type { EventPublisher } from '../kafka/event-publisher';
import { logicalTopic, physicalTopic, type KafkaSettings } from '../kafka/kafka-settings';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { isInfrastructureFailure, UnprocessableEventError } from './failure-kind';

/** Applies one event inside the transaction that also records it in the processed-event ledger. */
export type TransactionalHandler<K extends EventType> = (event: HoldfastEvent<K>, transaction: EntityManager) => Promise<void>;

/** Handlers typed from the contract's map: a handler for the wrong payload does not compile. */
export type TransactionalHandlers<T extends TopicName> = { [K in EventTypeOf<T>]?: TransactionalHandler<K> };

export interface RetryPolicy {
  /** Attempts for a failing handler before its event is dead-lettered (infrastructure failures retry until they pass). */
  attempts: number;
  startingDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, startingDelayMs: 100, maxDelayMs: 5_000 };

export interface EventConsumerOptions<T extends TopicName> {
  kafka: Kafka;
  dataSource: DataSource;
  publisher: Pick<EventPublisher, 'send'>;
  settings: Pick<KafkaSettings, 'topicPrefix'>;
  logger: MessagingLogger;
  metrics?: MetricsRegistry;
  topic: T;
  /** The consumer group without the deployment prefix, e.g. "maintenance-planner.holds". */
  group: string;
  handlers: TransactionalHandlers<T>;
  retry?: Partial<RetryPolicy>;
  /** Offsets are committed on this period, off the hot path; the ledger makes a redelivery harmless. */
  commitIntervalMs?: number;
  /** Partitions handled at once; order is kept within each. */
  partitionsConsumedConcurrently?: number;
  maxWaitTimeInMs?: number;
}

export type ConsumeOutcome = 'applied' | 'duplicate' | 'ignored' | 'dead-lettered';

/**
 * The idempotent consumer. Each event is decoded and validated against the contract, then applied
 * in one PostgreSQL transaction together with its row in the processed-event ledger, so a
 * redelivered event has no second effect. Messages that break the contract, or whose handler keeps
 * failing, go to `<topic>.dlq` with the reason in headers, and the partition keeps flowing.
 */
export class EventConsumer<T extends TopicName> {
  readonly groupId: string;
  private readonly consumer: Consumer;
  private readonly retry: RetryPolicy;
  private readonly uncommitted = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer?: NodeJS.Timeout;
  // Handlers still running; stop() waits for them so their offsets are committed, not redelivered.
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private readonly consumed;
  private readonly handleSeconds;
  private readonly hopSeconds;

  constructor(private readonly options: EventConsumerOptions<T>) {
    this.groupId = options.settings.topicPrefix + options.group;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.consumer = options.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 100,
    });
    this.consumed = options.metrics?.counter('holdfast_events_consumed_total', 'Events taken from Kafka, by outcome', ['topic', 'type', 'outcome']);
    this.handleSeconds = options.metrics?.histogram('holdfast_event_handle_seconds', 'Time to apply one event, ledger included', ['topic']);
    this.hopSeconds = options.metrics?.histogram('holdfast_event_hop_seconds', 'From the event time to the end of its handling', ['topic'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30]);
  }

  async start(): Promise<void> {
    this.stopping = false;
    await this.consumer.connect();
    // A new group reads from the start: nothing published before the service first ran is skipped.
    await this.consumer.subscribe({ topic: physicalTopic(this.options.settings, this.options.topic), fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 2,
      eachMessage: (payload) => {
        const work = this.consume(payload);
        this.inFlight.add(work);
        return work.finally(() => this.inFlight.delete(work));
      },
    });
    this.commitTimer = setInterval(() => void this.commit(), this.options.commitIntervalMs ?? 1_000);
  }

  /** Lets the message in hand finish, commits what is done, and leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.commitTimer);
    await this.consumer.stop();
    await Promise.allSettled([...this.inFlight]);
    await this.commit();
    await this.consumer.disconnect();
  }

  private async consume({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const started = process.hrtime.bigint();
    const outcome = await this.handle(topic, partition, message, heartbeat);
    this.uncommitted.set(`${topic}:${partition}`, { topic, partition, offset: (BigInt(message.offset) + 1n).toString() });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.handleSeconds?.observe({ topic: this.options.topic }, seconds);
    this.consumed?.inc({ topic: this.options.topic, type: outcome.type, outcome: outcome.outcome });
  }

  private async handle(topic: string, partition: number, message: KafkaMessage, heartbeat: () => Promise<void>): Promise<{ type: string; outcome: ConsumeOutcome }> {
    let event: HoldfastEvent;
    try {
      event = decodeEvent(logicalTopic(this.options.settings, topic), { key: message.key?.toString() ?? null, value: message.value, headers: flattenHeaders(message.headers) });
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      await this.deadLetter(topic, partition, message, `contract violation: ${error.reason}`, 0);
      return { type: headerText(message.headers, 'ce_type') ?? 'unknown', outcome: 'dead-lettered' };
    }
    const handler = this.options.handlers[event.type as EventTypeOf<T>] as TransactionalHandler<EventType> | undefined;
    if (!handler) return { type: event.type, outcome: 'ignored' };

    let attempts = 0;
    try {
      const outcome = await backOff(
        () => {
          attempts++;
          return this.applyOnce(event, handler);
        },
        {
          numOfAttempts: Number.MAX_SAFE_INTEGER,
          startingDelay: this.retry.startingDelayMs,
          maxDelay: this.retry.maxDelayMs,
          jitter: 'full',
          retry: async (error, attempt) => {
            if (this.stopping) return false;
            const infrastructure = isInfrastructureFailure(error);
            if (!infrastructure && (error instanceof UnprocessableEventError || attempt >= this.retry.attempts)) return false;
            this.options.logger.warn({ err: error, eventId: event.id, type: event.type, attempt, infrastructure }, 'event handling failed; retrying');
            await heartbeat().catch(() => undefined);
            return true;
          },
        },
      );
      this.hopSeconds?.observe({ topic: this.options.topic }, (Date.now() - Date.parse(event.time)) / 1000);
      return { type: event.type, outcome };
    } catch (error) {
      // Stopping, or the database still away: leave the offset uncommitted so the event comes again.
      if (this.stopping || isInfrastructureFailure(error)) throw error;
      await this.deadLetter(topic, partition, message, `handler failed after ${attempts} attempt(s): ${(error as Error).message}`, attempts);
      return { type: event.type, outcome: 'dead-lettered' };
    }
  }

  private applyOnce(event: HoldfastEvent, handler: TransactionalHandler<EventType>): Promise<'applied' | 'duplicate'> {
    return this.options.dataSource.transaction(async (transaction) => {
      const recorded: unknown[] = await transaction.query(
        'INSERT INTO processed_event (consumer_group, event_id, event_type, topic) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING event_id',
        [this.groupId, event.id, event.type, this.options.topic],
      );
      if (recorded.length === 0) return 'duplicate';
      await handler(event, transaction);
      return 'applied';
    });
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, attempts: number): Promise<void> {
    this.options.logger.warn({ topic, partition, offset: message.offset, reason }, 'message sent to the dead-letter topic');
    const origin = logicalTopic(this.options.settings, topic);
    // If this send fails the error propagates and the message is consumed again: a dead letter is never dropped.
    await this.options.publisher.send([
      {
        topic: deadLetterTopicOf(origin),
        key: message.key?.toString() ?? null,
        value: message.value,
        eventType: headerText(message.headers, 'ce_type') ?? 'unknown',
        headers: {
          ...stringHeaders(message.headers),
          [DeadLetterHeaders.reason]: reason,
          [DeadLetterHeaders.originTopic]: origin,
          [DeadLetterHeaders.originPartition]: String(partition),
          [DeadLetterHeaders.originOffset]: message.offset,
          [DeadLetterHeaders.consumerGroup]: this.groupId,
          [DeadLetterHeaders.attempts]: String(attempts),
          [DeadLetterHeaders.failedAt]: new Date().toISOString(),
        },
      },
    ]);
  }

  private async commit(): Promise<void> {
    if (this.uncommitted.size === 0) return;
    const offsets = [...this.uncommitted.values()];
    this.uncommitted.clear();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (error) {
      // After a rebalance the partition may be someone else's; its events are redelivered and dropped by the ledger.
      this.options.logger.debug({ err: error, offsets }, 'offset commit skipped');
    }
  }
}

function flattenHeaders(headers: IHeaders | undefined): Record<string, Buffer | string | undefined> {
  const flat: Record<string, Buffer | string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {})) flat[name] = Array.isArray(value) ? value[0] : value;
  return flat;
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  return flattenHeaders(headers)[name]?.toString();
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(flattenHeaders(headers))) if (value !== undefined) text[name] = value.toString();
  return text;
}
