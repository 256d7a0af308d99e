import {
  ContractViolation,
  ContractViolationCode,
  decodeEvent,
  deadLetterTopicOf,
  headerText,
  isEventType,
  TopicEvents,
  TopicSpecs,
  type EventType,
  type EventTypeOf,
  type HoldfastEvent,
  type HoldfastEventOn,
  type TopicName,
} from '@holdfast/contracts';
import { prepared } from '@holdfast/database';
import { LabelPairTally, RepeatedFailure, type MetricsRegistry } from '@holdfast/observability';
import type { Admin, Consumer, EachBatchPayload, EachMessagePayload, Kafka, KafkaMessage } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import { headerNamesKeepable, keptHeaders, presentHeaders, storableText, type KeptHeaders } from '../dead-letter/kept-headers';
import { messageBytes, type EventPublisher, type OutboundMessage } from '../kafka/event-publisher';
import { DEFAULT_MAX_MESSAGE_BYTES, logicalTopic, physicalTopic, type KafkaSettings } from '../kafka/kafka-settings';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { TOMBSTONE } from '../outbox/outbox-writer';
import { isInfrastructureFailure, UnprocessableEventError } from './failure-kind';
import { EventLedger, PartitionOffsetFence, type LogPosition, type RedeliveryGuard } from './redelivery-guard';
import { SilenceLog } from './silence-log';
import { ASSIGNMENT_READ_WAIT_MS, CatchUp, type CatchingUp } from './catch-up';
import { DEFAULT_BACKOFF, retried, type Backoff } from '../retried';

/** Applies one event inside the transaction that also records it in the processed-event ledger. */
export type TransactionalHandler<K extends EventType> = (event: HoldfastEvent<K>, transaction: EntityManager) => Promise<void>;

/** Applies a tombstone for `key` (its text) inside the transaction that also advances the partition's offset fence. */
export type TombstoneHandler = (key: string, transaction: EntityManager) => Promise<void>;

/** Handlers typed from the contract's map: a handler for the wrong payload does not compile. */
export type TransactionalHandlers<T extends TopicName> = { [K in EventTypeOf<T>]?: TransactionalHandler<K> };

/** An event a batch handler will not apply, by its index among the events it was given, and why. */
export interface EventRefusal {
  index: number;
  reason: string;
}

/**
 * Applies several events of one partition, in their order, inside the one transaction that also
 * records all of them in the processed-event ledger. Events already in the ledger are left out.
 * Events it cannot apply (and left without effect) it names in its answer: they are dead-lettered
 * in that same transaction and the rest of its work commits, so one bad event costs no second pass.
 */
export type BatchHandler<T extends TopicName> = (events: HoldfastEventOn<T>[], transaction: EntityManager) => Promise<void | readonly EventRefusal[]>;

export interface BatchConsumption<T extends TopicName> {
  handler: BatchHandler<T>;
  /** Events per transaction at most; a larger Kafka batch is applied in slices of this size. */
  maxEvents?: number;
  /**
   * How a redelivered event is recognised: 'event-ledger' (default) by its id in the processed-event
   * ledger, a row per event; 'partition-offset' by its offset against the partition's fence, a row
   * per partition, for a handler that a copy of an event published again leaves unchanged (see PartitionOffsetFence).
   */
  idempotence?: 'event-ledger' | 'partition-offset';
}

export interface RetryPolicy extends Backoff {
  /** Attempts for a failing handler before its event is dead-lettered (infrastructure failures retry until they pass). */
  attempts: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, ...DEFAULT_BACKOFF };
export const DEFAULT_BATCH_MAX_EVENTS = 500;
/**
 * How long the group waits for a member it no longer hears from before it hands that member's
 * partitions on. A consumer that crashed (its broker away, its process killed) joins again as a new
 * member, and the group's next assignment waits for the old one to time out: with kafkajs's 30 s,
 * holds came 29-30 s after a broker outage of 20 s ended. The broker's floor is 6 s; the consumers
 * heartbeat every 3 s and between the slices of a batch.
 */
export const CONSUMER_SESSION_TIMEOUT_MS = 10_000;
/** Partitions a consumer handles at once unless it asks otherwise. */
export const DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY = 2;
/** Histogram buckets, in seconds, fine enough to tell a 2 ms hop from a 20 ms one. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5];

export interface EventConsumerOptions<T extends TopicName> {
  kafka: Kafka;
  dataSource: DataSource;
  publisher: Pick<EventPublisher, 'send'>;
  settings: Pick<KafkaSettings, 'topicPrefix' | 'maxMessageBytes'>;
  logger: MessagingLogger;
  metrics?: MetricsRegistry;
  topic: T;
  /** The consumer group without the deployment prefix, e.g. "maintenance-planner.holds". */
  group: string;
  /** One handler per event type, each event in a transaction of its own. Give this or `batch`. */
  handlers?: TransactionalHandlers<T>;
  /** The topic's events applied a Kafka batch at a time (per partition, in order). Give this or `handlers`. */
  batch?: BatchConsumption<T>;
  /**
   * Event types of the topic this consumer deliberately leaves alone. Every type of the topic is
   * either handled or listed here, or the consumer refuses to start: a new event type on a topic
   * is then a decision, never a silent skip.
   */
  ignore?: readonly EventTypeOf<T>[];
  /**
   * Asked before an event's transaction (handlers only, not batch): an event it declines is
   * counted as ignored, with no transaction and no ledger row, and a redelivered copy is asked
   * again. For a consumer that records nothing for most events, such as the notifier for events
   * no subscription wants; a failure is retried as the handler's would be.
   */
  isRelevant?: (event: HoldfastEventOn<T>) => Promise<boolean>;
  /**
   * Asked about an event whose message key is all that breaks the contract: what the handler would
   * refuse it for, if anything, said first in its dead letter. The right key follows from the payload,
   * so the key's fault alone would send a producer to re-key a payload that is refused next (a sample
   * of an unknown region). Synchronous and without I/O: it runs only for such an event.
   */
  refusalOf?: (event: HoldfastEventOn<T>) => string | undefined;
  /**
   * A compacted topic's tombstones (a key with a null value: OutboxWriter.addTombstone), which say
   * that the state the key named is gone: each applied in a transaction of its own (handlers only,
   * not batch) with the advance of its partition's offset fence. A tombstone has no event id, so a
   * redelivered one is recognised by its offset: read again after the key's next event was applied,
   * it must not delete what that event wrote. Failing, it is retried and dead-lettered as an event
   * is. Without this option a tombstone breaks the contract and is dead-lettered, as on every topic
   * that is not compacted.
   */
  onTombstone?: TombstoneHandler;
  retry?: Partial<RetryPolicy>;
  /** Offsets are committed on this period, off the hot path; the ledger makes a redelivery harmless. */
  commitIntervalMs?: number;
  /** Partitions handled at once; order is kept within each. */
  partitionsConsumedConcurrently?: number;
  maxWaitTimeInMs?: number;
  /** The most a fetch brings, over all partitions (kafkajs's default 10 MB); kafkajs decodes all of it before handing over the first batch. */
  maxFetchBytes?: number;
  /** A connected admin client to read the offsets of each assignment with (catchingUp); without one, the consumer connects its own. */
  admin?: Admin;
}

/**
 * How long a fetch waits for records. The broker answers as soon as one arrives, so the wait costs no
 * latency; it is how often a quiet consumer polls (twice a second, not ten times: docs/performance-journal.md,
 * "Idle"). A stopping consumer waits out its fetch: at most this long.
 */
export const DEFAULT_FETCH_WAIT_MS = 500;

export type ConsumeOutcome = 'applied' | 'duplicate' | 'ignored' | 'dead-lettered';

/** A consumer kafkajs stopped for good: it reads nothing more until the service is restarted. */
export interface StoppedConsumer {
  topic: TopicName;
  group: string;
  /** The error kafkajs would not restart after, as first thrown (not kafkajs's wrapper). */
  cause: Error;
}

/** A message on its way to the dead-letter topic. */
interface DeadLetter {
  message: KafkaMessage;
  reason: string;
  attempts: number;
}

interface PendingOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The idempotent consumer. Each event is decoded and validated against the contract, then applied
 * in one PostgreSQL transaction together with its row in the processed-event ledger (or, for a batch
 * consumer that chose it, the advance of its partition's offset fence), so a redelivered event has
 * no second effect. Messages that break the contract, or whose handler keeps
 * failing, go to `<topic>.dlq` with the reason in headers, and the partition keeps flowing.
 */
export class EventConsumer<T extends TopicName> {
  readonly groupId: string;
  private readonly consumer: Consumer;
  private readonly retry: RetryPolicy;
  private readonly ignored: ReadonlySet<string>;
  private readonly guard: RedeliveryGuard;
  // Tombstones carry no event id: they are recognised by their offset, whatever guards the events.
  private readonly tombstoneFence?: PartitionOffsetFence;
  // Offsets handled but not yet committed, per partition; an entry leaves only once Kafka took it.
  private readonly uncommitted = new Map<string, PendingOffset>();
  private committing: Promise<boolean> = Promise.resolve(true);
  private commitTimer?: NodeJS.Timeout;
  // Handlers still running; stop() waits for them so their offsets are committed, not redelivered.
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private running = false;
  private stopped?: Promise<void>;
  // Set by a crash kafkajs does not restart from; cleared by start().
  private crash?: Error;
  private readonly consumed;
  private readonly handleSeconds;
  private readonly hopSeconds;
  private readonly fetchWaitSeconds;
  private readonly commitSeconds;
  private readonly transactionCommitSeconds;
  // While PostgreSQL is away every partition's handling fails the same way, attempt after attempt.
  private readonly infrastructureFailures = new RepeatedFailure();
  // When the broker last answered one of this consumer's fetches (monotonic ms), or it was started.
  private heardAtMs = performance.now();
  private readonly silences = new SilenceLog();
  private readonly catchUp: CatchUp;

  constructor(private readonly options: EventConsumerOptions<T>) {
    this.groupId = options.settings.topicPrefix + options.group;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.ignored = new Set(options.ignore ?? []);
    assertExplicitHandling(options);
    this.guard =
      options.batch?.idempotence === 'partition-offset'
        ? new PartitionOffsetFence(this.groupId, options.topic, options.logger)
        : new EventLedger(this.groupId, options.topic);
    if (options.onTombstone) this.tombstoneFence = new PartitionOffsetFence(this.groupId, options.topic, options.logger);
    this.consumer = options.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? DEFAULT_FETCH_WAIT_MS,
      // Left undefined, kafkajs's own default applies.
      maxBytes: options.maxFetchBytes,
      sessionTimeout: CONSUMER_SESSION_TIMEOUT_MS,
    });
    this.catchUp = new CatchUp({ consumer: this.consumer, kafka: options.kafka, admin: options.admin, groupId: this.groupId, topic: physicalTopic(options.settings, options.topic), logger: options.logger });
    // After a rebalance every member resumes where the group committed. Another member may have moved that on meanwhile,
    // also on a partition this one gets back (put out of the group while paused past its session, it never saw the
    // assignment in between): an offset kept from before would move the group back, and its position with it, which the
    // planner's gate reads as surges not applied. Dropped, what was handled since the last commit comes again, a duplicate.
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.uncommitted.clear());
    // An idle consumer's fetch is answered every fetch wait, a busy one's batches start and end, and the group's
    // coordinator answers its heartbeats: none of these for longer means the broker is not reaching it.
    const heard = () => {
      const now = performance.now();
      this.silences.heard(this.heardAtMs, now);
      this.heardAtMs = now;
    };
    for (const event of [this.consumer.events.FETCH, this.consumer.events.HEARTBEAT, this.consumer.events.START_BATCH_PROCESS, this.consumer.events.END_BATCH_PROCESS]) this.consumer.on(event, heard);
    // kafkajs restarts a consumer after an error it counts as retriable; after any other (a TypeError from our own
    // bookkeeping, a refusal it cannot retry) it stops for good, and the service would go on looking ready.
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping) return;
      this.crash = unwrapped(payload.error);
      // Nothing can be committed without a group: the offsets are the next owner's to read again.
      clearInterval(this.commitTimer);
      this.options.logger.error(
        { err: this.crash, topic: this.options.topic, group: this.groupId },
        'consumer stopped for good: kafkajs does not restart it after this error, so it reads nothing more and readiness reports it until the service is restarted',
      );
    });
    this.consumed = options.metrics?.counter('holdfast_events_consumed_total', 'Events taken from Kafka, by outcome', ['topic', 'type', 'outcome']);
    this.handleSeconds = options.metrics?.histogram('holdfast_event_handle_seconds', 'Time to apply one event, ledger included', ['topic'], LATENCY_BUCKETS);
    // A batch consumer observes each slice once, by its first message or event: per message, the observation cost as much as the handling.
    this.hopSeconds = options.metrics?.histogram(
      'holdfast_event_hop_seconds',
      'From the event time to the end of its handling (batch consumers: the first event applied in each slice)',
      ['topic'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    );
    this.fetchWaitSeconds = options.metrics?.histogram(
      'holdfast_event_fetch_wait_seconds',
      'From the Kafka timestamp of a message (its producer sent it) to its handling starting (batch consumers: the first message of each slice)',
      ['topic'],
      LATENCY_BUCKETS,
    );
    this.commitSeconds = options.metrics?.histogram('holdfast_offset_commit_seconds', 'Time Kafka took to accept a commit of handled offsets (off the hot path)', ['topic'], LATENCY_BUCKETS);
    // Apart from the handling, so that a slow disk (every commit waits for its flush) shows as what it is.
    this.transactionCommitSeconds = options.metrics?.histogram(
      'holdfast_event_transaction_commit_seconds',
      "From the handler's end to its transaction's COMMIT answered: the statements answered at commit, and PostgreSQL's flush to disk",
      ['topic'],
      LATENCY_BUCKETS,
    );
  }

  async start(): Promise<void> {
    this.stopping = false;
    this.stopped = undefined;
    this.crash = undefined;
    this.heardAtMs = performance.now();
    this.catchUp.starting();
    await this.consumer.connect();
    // A new group reads from the start: nothing published before the service first ran is skipped.
    await this.consumer.subscribe({ topic: physicalTopic(this.options.settings, this.options.topic), fromBeginning: true });
    const track = (work: Promise<void>): Promise<void> => {
      this.inFlight.add(work);
      return work.finally(() => {
        this.inFlight.delete(work);
        // Time spent applying what the broker gave is busy, not unheard: no silence is counted across it.
        this.heardAtMs = performance.now();
      });
    };
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? DEFAULT_PARTITIONS_CONSUMED_CONCURRENTLY,
      ...(this.options.batch
        ? { eachBatchAutoResolve: false, eachBatch: (payload: EachBatchPayload) => track(this.consumeBatch(payload)) }
        : { eachMessage: (payload: EachMessagePayload) => track(this.consumeMessage(payload)) }),
    });
    // run() resolves once the group assigned it partitions: partitions with nothing to read count as caught up before the service answers.
    await this.catchUp.assignmentRead(ASSIGNMENT_READ_WAIT_MS);
    this.commitTimer = setInterval(() => void this.commit(), this.options.commitIntervalMs ?? 1_000);
    this.running = true;
  }

  get topic(): T {
    return this.options.topic;
  }

  /** Why kafkajs stopped this consumer for good, if it did since it was started. */
  stoppedForGood(): StoppedConsumer | undefined {
    return this.crash && { topic: this.options.topic, group: this.groupId, cause: this.crash };
  }

  /**
   * How long the broker has not answered this consumer (fetches, batches, heartbeats; since its
   * start, before the first) while it had nothing in hand: what it has applied may be missing
   * events published meanwhile.
   */
  silentForMs(): number {
    // A handler at work is applying what the broker gave it: busy, not unheard (a long fan-out, a retried message).
    return this.inFlight.size > 0 ? 0 : performance.now() - this.heardAtMs;
  }

  /**
   * How long ago this consumer was heard again after its latest silence longer than
   * `longerThanMs`, or undefined when it had none in the last hour: what other services wrote
   * while it was unheard may still be on its way from their outboxes.
   */
  heardAgainForMs(longerThanMs: number): number | undefined {
    return this.silences.heardAgainForMs(longerThanMs, performance.now());
  }

  /**
   * What this consumer is catching up after (its start, a rebalance) until it has applied what its
   * partitions held when they were assigned to it; undefined once it has (see CatchUp).
   */
  catchingUp(): CatchingUp | undefined {
    return this.catchUp.catchingUp();
  }

  /** Lets the message in hand finish, commits what is done, and leaves the group. */
  stop(): Promise<void> {
    this.stopped ??= this.shutDown();
    return this.stopped;
  }

  private async shutDown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.commitTimer);
    if (this.running) {
      // Paused rather than stopped: kafkajs forgets the group when it stops, and a commit after that always fails.
      this.pauseIfRunning();
      await Promise.allSettled([...this.inFlight]);
      // The last chance to commit: a failure here would make the next owner redo work, so try a few times.
      for (let attempt = 1; attempt <= 3 && !(await this.commit()); attempt++) await delay(100 * attempt);
      await this.consumer.stop();
      this.running = false;
    }
    await this.consumer.disconnect();
    await this.catchUp.close();
  }

  /**
   * Pauses the topic; a consumer that crashed and is waiting to restart (its broker away) has no
   * group to pause, and kafkajs throws for it: there is nothing in flight to hold then, and stopping goes on.
   */
  private pauseIfRunning(): void {
    try {
      this.consumer.pause([{ topic: physicalTopic(this.options.settings, this.options.topic) }]);
    } catch (error) {
      this.options.logger.info({ err: error, topic: this.options.topic }, 'consumer had no running group to pause (restarting after a crash); stopping it');
    }
  }

  private async consumeMessage({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const started = process.hrtime.bigint();
    this.observeFetchWait(message, Date.now());
    if (this.tombstoneFence && message.value === null && message.key !== null) {
      const outcome = await this.handleTombstone(topic, partition, message, this.tombstoneFence, heartbeat);
      this.markHandled(topic, partition, message.offset);
      this.handleSeconds?.observe({ topic: this.options.topic }, Number(process.hrtime.bigint() - started) / 1e9);
      this.consumed?.inc({ topic: this.options.topic, type: TOMBSTONE, outcome });
      return;
    }
    const decoded = this.decode(partition, message);
    const outcome =
      decoded instanceof ContractViolation
        ? await this.deadLetterViolation(topic, partition, message, decoded)
        : await this.handleOne(topic, message, decoded, { partition, offsets: [message.offset], timestamps: [message.timestamp], nextOffset: nextOffsetAfter(message.offset) }, heartbeat);
    this.markHandled(topic, partition, message.offset);
    this.handleSeconds?.observe({ topic: this.options.topic }, Number(process.hrtime.bigint() - started) / 1e9);
    this.count(decoded instanceof ContractViolation ? headerText(message.headers, 'ce_type') : decoded.type, outcome);
  }

  private async consumeBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const maxEvents = Math.max(1, this.options.batch?.maxEvents ?? DEFAULT_BATCH_MAX_EVENTS);
    const { topic, partition, messages } = batch;
    for (let start = 0; start < messages.length; start += maxEvents) {
      if (this.stopping || !isRunning() || isStale()) return;
      const end = Math.min(messages.length, start + maxEvents);
      const started = process.hrtime.bigint();
      const fetchedAt = Date.now();
      // Counted by type and outcome over the slice: the counter is touched once per pair.
      const tally = new LabelPairTally<string | undefined, ConsumeOutcome>();
      // Events and their messages side by side: no object per message beyond the event itself.
      const events: HoldfastEvent[] = [];
      const eventMessages: KafkaMessage[] = [];
      const violations: DeadLetter[] = [];
      this.observeFetchWait(messages[start], fetchedAt);
      for (let index = start; index < end; index++) {
        const message = messages[index];
        const decoded = this.decode(partition, message);
        if (decoded instanceof ContractViolation) {
          violations.push({ message, reason: this.violationReason(decoded), attempts: 0 });
        } else if (this.ignored.has(decoded.type)) {
          tally.add(decoded.type, 'ignored');
        } else {
          events.push(decoded);
          eventMessages.push(message);
        }
      }
      // A slice's violations in one transaction and as few sends as their bytes allow: a pipeline sending nothing but them is kept up with.
      if (violations.length > 0) {
        const sent = await this.deadLetterApart(topic, partition, violations);
        for (const letter of violations) tally.add(headerText(letter.message.headers, 'ce_type'), sent.has(letter) ? 'dead-lettered' : 'duplicate');
      }
      if (events.length > 0) {
        const position = { partition, nextOffset: nextOffsetAfter(messages[end - 1].offset), highWatermark: batch.highWatermark };
        await this.handleSlice(topic, events, eventMessages, position, tally, heartbeat);
      }
      tally.forEach((type, outcome, count) => this.count(type, outcome, count));
      const last = messages[end - 1].offset;
      resolveOffset(last);
      this.markHandled(topic, partition, last);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.handleSeconds?.observe({ topic: this.options.topic }, seconds / Math.max(1, events.length));
      await heartbeat();
    }
  }

  /** A slice in one transaction; if the batch handler refuses it, event by event so only the bad one is dead-lettered. */
  private async handleSlice(
    topic: string,
    events: HoldfastEvent[],
    messages: KafkaMessage[],
    slice: Omit<LogPosition, 'offsets' | 'timestamps'>,
    tally: LabelPairTally<string | undefined, ConsumeOutcome>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const handler = this.options.batch!.handler as unknown as BatchHandler<TopicName>;
    // A copy of an event further on in the same slice is a duplicate of its first copy, which records it.
    const seen = new Set<string>();
    const firstCopies: HoldfastEvent[] = [];
    const firstMessages: KafkaMessage[] = [];
    const isFirstCopy = events.map((event, index) => {
      if (seen.has(event.id)) return false;
      seen.add(event.id);
      firstCopies.push(event);
      firstMessages.push(messages[index]);
      return true;
    });
    const position = { ...slice, offsets: firstMessages.map((message) => message.offset), timestamps: firstMessages.map((message) => message.timestamp) };
    let outcome: BatchOutcome;
    try {
      outcome = await retried(() => this.applyBatchOnce(topic, firstCopies, firstMessages, position, handler), this.retry, async (error, attempt) => {
        if (this.stopping || !isInfrastructureFailure(error)) return false;
        this.infrastructureFailed({ err: error, events: events.length, attempt }, 'batch handling failed on the infrastructure; retrying');
        await heartbeat().catch(() => undefined);
        return true;
      });
      this.infrastructureBack();
    } catch (error) {
      if (this.stopping || isInfrastructureFailure(error)) throw error;
      this.options.logger.warn({ err: error, events: events.length }, 'batch handler failed; applying its events one at a time');
      for (const [index, event] of events.entries()) {
        const { offset, timestamp } = messages[index];
        tally.add(event.type, await this.handleOne(topic, messages[index], event, { ...slice, offsets: [offset], timestamps: [timestamp], nextOffset: nextOffsetAfter(offset) }, heartbeat));
      }
      return;
    }
    const { fresh, refused } = outcome;
    let firstApplied: HoldfastEvent | undefined;
    for (const [index, event] of events.entries()) {
      const first = isFirstCopy[index] && (fresh === 'all' || fresh.has(event.id));
      const deadLettered = first && refused.has(event);
      if (first && !deadLettered) firstApplied ??= event;
      tally.add(event.type, deadLettered ? 'dead-lettered' : first ? 'applied' : 'duplicate');
    }
    if (firstApplied) this.hopSeconds?.observe({ topic: this.options.topic }, (Date.now() - Date.parse(firstApplied.time)) / 1000);
  }

  private infrastructureFailed(fields: object, message: string): void {
    this.infrastructureFailures.log(this.options.logger, 'warn', fields, `${message} until it passes`);
  }

  private infrastructureBack(): void {
    this.infrastructureFailures.succeeded((fields, message) => this.options.logger.info(fields, message), { topic: this.options.topic }, 'event handling works again');
  }

  /**
   * Records the events as consumed and applies those consumed for the first time, in one
   * transaction, together with the dead letters of those the handler refused. The handler starts
   * without waiting for the guard's answer (see applyOnce); should some events turn out to be
   * redelivered, that transaction is rolled back and a second one applies only the others, once
   * the guard has answered. Dead letters are sent only once the guard has answered, so a rolled-back
   * attempt sends none.
   */
  private async applyBatchOnce(topic: string, events: HoldfastEvent[], messages: KafkaMessage[], position: LogPosition, handler: BatchHandler<TopicName>): Promise<BatchOutcome> {
    try {
      return await this.inTransaction(async (transaction) => {
        const refusals = await admittedWhileApplying(this.guard.admit(transaction, events, position), handler(events as HoldfastEventOn<TopicName>[], transaction));
        return { fresh: 'all', refused: await this.deadLetterRefused(transaction, topic, position.partition, events, messages, refusals) };
      });
    } catch (error) {
      if (!(error instanceof AppliedBefore)) throw error;
    }
    return this.inTransaction(async (transaction) => {
      const fresh = await this.guard.admit(transaction, events, position);
      const chosen = fresh === 'all' ? events.map((_, index) => index) : events.flatMap((event, index) => (fresh.has(event.id) ? [index] : []));
      if (chosen.length === 0) return { fresh, refused: NONE_REFUSED };
      const toApply = chosen.map((index) => events[index]);
      const refusals = await handler(toApply as HoldfastEventOn<TopicName>[], transaction);
      const refused = await this.deadLetterRefused(transaction, topic, position.partition, toApply, chosen.map((index) => messages[index]), refusals);
      return { fresh, refused };
    });
  }

  /** Dead-letters, in the handler's transaction, the events it refused, and forgets them as consumed so a replay applies them; resolves them. */
  private async deadLetterRefused(
    transaction: EntityManager,
    topic: string,
    partition: number,
    events: readonly HoldfastEvent[],
    messages: readonly KafkaMessage[],
    refusals: void | readonly EventRefusal[],
  ): Promise<ReadonlySet<HoldfastEvent>> {
    if (!refusals || refusals.length === 0) return NONE_REFUSED;
    const letters = refusals.map(({ index, reason }) => {
      // A bad index is the handler's bug: the slice fails, and is applied event by event.
      if (!Number.isInteger(index) || index < 0 || index >= events.length) throw new Error(`the batch handler refused event ${index} of ${events.length}, which it was not given`);
      return { message: messages[index], reason: `refused by the handler: ${reason}`, attempts: 1 };
    });
    const refused = new Set(refusals.map(({ index }) => events[index]));
    await Promise.all([this.guard.forget(transaction, [...refused]), this.deadLetter(transaction, topic, partition, letters)]);
    return refused;
  }

  /** `work` in a transaction, the time its commit took observed once it is answered (a rolled-back one is not). */
  private async inTransaction<R>(work: (transaction: EntityManager) => Promise<R>): Promise<R> {
    let workDone = 0n;
    const result = await this.options.dataSource.transaction(async (transaction) => {
      const value = await work(transaction);
      workDone = process.hrtime.bigint();
      return value;
    });
    this.transactionCommitSeconds?.observe({ topic: this.options.topic }, Number(process.hrtime.bigint() - workDone) / 1e9);
    return result;
  }

  /** The message's event, or the reason it breaks the contract. */
  private decode(partition: number, message: KafkaMessage): HoldfastEvent | ContractViolation {
    const limit = this.options.settings.maxMessageBytes;
    const size = message.value?.length ?? 0;
    if (limit !== undefined && size > limit) {
      return new ContractViolation(ContractViolationCode.MessageTooLarge, `the message is ${size} bytes, over the ${limit}-byte limit (KAFKA_MAX_MESSAGE_BYTES); it was not read`);
    }
    try {
      // The one topic the consumer subscribes to, by its logical name: not derived again from each message's.
      return decodeEvent(this.options.topic, {
        key: message.key,
        value: message.value,
        headers: message.headers ?? {},
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
      });
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      return error;
    }
  }

  private async deadLetterViolation(topic: string, partition: number, message: KafkaMessage, violation: ContractViolation): Promise<ConsumeOutcome> {
    return this.deadLetterAlone(topic, partition, { message, reason: this.violationReason(violation), attempts: 0 });
  }

  /** A dead letter's reason for a violation: what the handler would refuse a mis-keyed event for comes first (refusalOf). */
  private violationReason(violation: ContractViolation): string {
    const refusal = violation.event && this.options.refusalOf?.(violation.event as HoldfastEventOn<T>);
    return refusal ? `refused by the handler: ${refusal}; contract violation: ${violation.reason}` : `contract violation: ${violation.reason}`;
  }

  private async deadLetterAlone(topic: string, partition: number, letter: DeadLetter): Promise<ConsumeOutcome> {
    return (await this.deadLetterApart(topic, partition, [letter])).size > 0 ? 'dead-lettered' : 'duplicate';
  }

  /** Dead letters in a transaction of their own: of messages that never reach a handler's, or whose handler's failed. */
  private deadLetterApart(topic: string, partition: number, letters: readonly DeadLetter[]): Promise<ReadonlySet<DeadLetter>> {
    return this.options.dataSource.transaction((transaction) => this.deadLetter(transaction, topic, partition, letters));
  }

  /** One event in a transaction of its own, retried, and dead-lettered when it keeps failing. */
  private async handleOne(topic: string, message: KafkaMessage, event: HoldfastEvent, position: LogPosition, heartbeat: () => Promise<void>): Promise<ConsumeOutcome> {
    const apply = this.applierFor(event);
    if (!apply) return 'ignored';
    let attempts = 0;
    try {
      const isRelevant = this.options.isRelevant as ((event: HoldfastEvent) => Promise<boolean>) | undefined;
      const outcome = await retried(
        async (): Promise<ConsumeOutcome> => {
          attempts++;
          if (isRelevant && !(await isRelevant(event))) return 'ignored';
          return this.applyOnce(event, position, apply);
        },
        this.retry,
        this.retryingOne({ eventId: event.id, type: event.type }, heartbeat),
      );
      this.infrastructureBack();
      if (outcome === 'applied') this.hopSeconds?.observe({ topic: this.options.topic }, (Date.now() - Date.parse(event.time)) / 1000);
      return outcome;
    } catch (error) {
      // Stopping, or the database still away: leave the offset uncommitted so the event comes again.
      if (this.stopping || isInfrastructureFailure(error)) throw error;
      return this.deadLetterAlone(topic, position.partition, { message, reason: `handler failed after ${attempts} attempt(s): ${(error as Error).message}`, attempts });
    }
  }

  /** One tombstone in a transaction of its own with its partition's offset fence, retried, and dead-lettered when it keeps failing. */
  private async handleTombstone(topic: string, partition: number, message: KafkaMessage, fence: PartitionOffsetFence, heartbeat: () => Promise<void>): Promise<ConsumeOutcome> {
    const apply = this.options.onTombstone!;
    const key = message.key!.toString('utf8');
    const position: LogPosition = { partition, offsets: [message.offset], timestamps: [message.timestamp], nextOffset: nextOffsetAfter(message.offset) };
    let attempts = 0;
    try {
      const outcome = await retried(
        async (): Promise<ConsumeOutcome> => {
          attempts++;
          try {
            // The fence needs no id: the offset alone tells a first delivery from a redelivery.
            await this.inTransaction((transaction) => admittedWhileApplying(fence.admit(transaction, [{ id: message.offset }], position), apply(key, transaction)));
            return 'applied';
          } catch (error) {
            if (error instanceof AppliedBefore) return 'duplicate';
            throw error;
          }
        },
        this.retry,
        this.retryingOne({ tombstone: key, offset: message.offset }, heartbeat),
      );
      this.infrastructureBack();
      return outcome;
    } catch (error) {
      if (this.stopping || isInfrastructureFailure(error)) throw error;
      return this.deadLetterAlone(topic, partition, { message, reason: `tombstone handler failed after ${attempts} attempt(s): ${(error as Error).message}`, attempts });
    }
  }

  /** Whether a failed attempt at one message is made again: an infrastructure failure until it passes, another up to the policy's attempts. */
  private retryingOne(fields: object, heartbeat: () => Promise<void>): (error: unknown, attempt: number) => Promise<boolean> {
    return async (error, attempt) => {
      if (this.stopping) return false;
      const infrastructure = isInfrastructureFailure(error);
      if (!infrastructure && (error instanceof UnprocessableEventError || attempt >= this.retry.attempts)) return false;
      const logged = { err: error, ...fields, attempt, infrastructure };
      if (infrastructure) this.infrastructureFailed(logged, 'event handling failed on the infrastructure; retrying');
      else this.options.logger.warn(logged, 'event handling failed; retrying');
      await heartbeat().catch(() => undefined);
      return true;
    };
  }

  private applierFor(event: HoldfastEvent): TransactionalHandler<EventType> | undefined {
    if (this.ignored.has(event.type)) return undefined;
    const batch = this.options.batch?.handler as unknown as BatchHandler<TopicName> | undefined;
    if (batch) {
      return async (one, transaction) => {
        const refusals = await batch([one as HoldfastEventOn<TopicName>], transaction);
        if (refusals && refusals.length > 0) throw new UnprocessableEventError(refusals.map((refusal) => refusal.reason).join('; '));
      };
    }
    return this.options.handlers?.[event.type as EventTypeOf<T>] as TransactionalHandler<EventType> | undefined;
  }

  /**
   * The event and its ledger row in one transaction. The handler does not wait for the ledger's
   * answer: its first statements follow the ledger's in the same round trip, and PostgreSQL runs a
   * transaction's statements in order. Should the ledger say the event was applied before (a
   * redelivery, rare), the transaction is rolled back and the handler's work with it.
   */
  private async applyOnce(event: HoldfastEvent, position: LogPosition, handler: TransactionalHandler<EventType>): Promise<'applied' | 'duplicate'> {
    try {
      await this.inTransaction((transaction) => admittedWhileApplying(this.guard.admit(transaction, [event], position), handler(event, transaction)));
      return 'applied';
    } catch (error) {
      if (error instanceof AppliedBefore) return 'duplicate';
      throw error;
    }
  }

  /**
   * Sends the messages to `<topic>.dlq` and records, in the given transaction, that it did, with
   * the message itself for a replay (DeadLetterReplay): the record commits only after the broker
   * took the dead letters, so both happen or neither does, and a redelivered message that is
   * already recorded is not sent again. Resolves the letters sent.
   */
  private async deadLetter(transaction: EntityManager, topic: string, partition: number, letters: readonly DeadLetter[]): Promise<ReadonlySet<DeadLetter>> {
    const origin = logicalTopic(this.options.settings, topic);
    const maxBytes = this.options.settings.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    // A message is kept for a replay unless its body is over the limit or a header name holds what jsonb cannot (the letter itself still goes out).
    const kept = letters.map(({ message }) => (message.value?.length ?? 0) <= maxBytes && headerNamesKeepable(message.headers));
    const recorded: { offset: string }[] = await transaction.query(RECORD_DEAD_LETTERS, [
      this.groupId,
      origin,
      partition,
      letters.map((letter) => letter.message.offset),
      letters.map(({ message }) => {
        const id = headerText(message.headers, 'ce_id');
        return id === undefined ? null : storableText(id);
      }),
      letters.map((letter) => storableText(letter.reason)),
      kept,
      ...keptMessages(letters, kept),
    ]);
    const fresh = new Set(recorded.map((row) => row.offset));
    const sentAt = letters.flatMap((letter, index) => (fresh.has(letter.message.offset) ? [index] : []));
    const sent = sentAt.map((index) => letters[index]);
    if (sent.length < letters.length) {
      this.options.logger.info({ topic, partition, messages: letters.length - sent.length }, 'messages were dead-lettered before; not sent again');
    }
    if (sent.length === 0) return new Set();
    const failedAt = new Date().toISOString();
    // If a send fails the error propagates and the messages are consumed again: a dead letter is never dropped.
    const outbound = sentAt.map((index): OutboundMessage => {
      const { message, reason, attempts } = letters[index];
      const letter: OutboundMessage = {
        topic: deadLetterTopicOf(origin),
        key: message.key ?? null,
        value: message.value,
        eventType: eventTypeLabel(headerText(message.headers, 'ce_type')),
        headers: {
          ...presentHeaders(message.headers),
          [DeadLetterHeaders.reason]: reason,
          [DeadLetterHeaders.originTopic]: origin,
          [DeadLetterHeaders.originPartition]: String(partition),
          [DeadLetterHeaders.originOffset]: message.offset,
          [DeadLetterHeaders.consumerGroup]: this.groupId,
          [DeadLetterHeaders.attempts]: String(attempts),
          [DeadLetterHeaders.failedAt]: failedAt,
        },
      };
      // A message near the limit is over it once the headers above are on: the broker would refuse it on every
      // redelivery and the partition would stall. The body stays readable at its origin offset until retention ends.
      if (message.value && messageBytes(letter) > maxBytes) {
        return { ...letter, value: null, headers: { ...letter.headers, [DeadLetterHeaders.bodyOmitted]: String(message.value.length) } };
      }
      return letter;
    });
    await this.options.publisher.send(outbound).catch((error: unknown) => {
      throw new DeadLettersNotSent(origin, partition, sent.length, error);
    });
    // One line for the lot: a flood of bad messages must not become a flood of log lines.
    const [first] = sent;
    this.options.logger.warn(
      sent.length === 1
        ? { topic, partition, offset: first.message.offset, reason: first.reason }
        : { topic, partition, messages: sent.length, offsets: `${first.message.offset}-${sent[sent.length - 1].message.offset}`, firstReason: first.reason },
      sent.length === 1 ? 'message sent to the dead-letter topic' : `${sent.length} messages sent to the dead-letter topic`,
    );
    return new Set(sent);
  }

  private observeFetchWait(message: KafkaMessage, now: number): void {
    const sentAt = Number(message.timestamp);
    if (this.fetchWaitSeconds && sentAt > 0) this.fetchWaitSeconds.observe({ topic: this.options.topic }, Math.max(0, now - sentAt) / 1000);
  }

  private markHandled(topic: string, partition: number, offset: string): void {
    const next = nextOffsetAfter(offset);
    this.uncommitted.set(`${topic}:${partition}`, { topic, partition, offset: next });
    this.catchUp.applied(partition, next);
  }

  /** Commits what is handled; resolves false when Kafka refused, keeping those offsets for the next try. */
  private commit(): Promise<boolean> {
    this.committing = this.committing.then(async () => {
      if (this.uncommitted.size === 0) return true;
      const offsets = [...this.uncommitted.entries()];
      const started = process.hrtime.bigint();
      try {
        await this.consumer.commitOffsets(offsets.map(([, pending]) => pending));
        this.commitSeconds?.observe({ topic: this.options.topic }, Number(process.hrtime.bigint() - started) / 1e9);
      } catch (error) {
        this.options.logger.warn({ err: error, offsets: offsets.map(([, pending]) => pending) }, 'offset commit failed; the offsets are kept for the next commit');
        return false;
      }
      // An offset handled while the commit was on its way is newer than the one committed: it stays.
      for (const [name, pending] of offsets) if (this.uncommitted.get(name) === pending) this.uncommitted.delete(name);
      return true;
    });
    return this.committing;
  }

  private count(type: string | undefined, outcome: ConsumeOutcome, events = 1): void {
    this.consumed?.inc({ topic: this.options.topic, type: eventTypeLabel(type), outcome }, events);
  }
}

/** ce_type comes from whoever produced the message: only known types become metric label values, so the series stay bounded. */
export function eventTypeLabel(type: string | undefined): string {
  return type !== undefined && isEventType(type) ? type : 'other';
}

/** Every event type of the topic is handled or deliberately ignored, never skipped by omission; tombstones only where they delete. */
function assertExplicitHandling<T extends TopicName>({ topic, group, handlers, batch, ignore = [], onTombstone }: EventConsumerOptions<T>): void {
  if ((handlers === undefined) === (batch === undefined)) {
    throw new Error(`Consumer group ${group} on ${topic}: give handlers (one per event type) or batch${handlers ? ', not both' : ''}.`);
  }
  if (onTombstone && !TopicSpecs[topic].compacted) {
    throw new Error(`Consumer group ${group} on ${topic}: onTombstone is for a compacted topic, and ${topic} is not one; its tombstones are dead-lettered.`);
  }
  if (onTombstone && TopicSpecs[topic].tombstone === undefined) {
    throw new Error(`Consumer group ${group} on ${topic}: ${topic} carries no tombstones by its contract (tombstone in its TopicSpecs entry, libs/contracts), so there are none to apply.`);
  }
  if (onTombstone && batch) {
    throw new Error(`Consumer group ${group} on ${topic}: onTombstone applies tombstones one at a time, in their place among the events: give handlers, not batch.`);
  }
  const types: readonly string[] = TopicEvents[topic];
  const handled = batch ? types.filter((type) => !ignore.includes(type as EventTypeOf<T>)) : Object.keys(handlers ?? {});
  const both = ignore.filter((type) => handled.includes(type));
  if (both.length > 0) throw new Error(`Consumer group ${group} on ${topic} both handles and ignores ${both.join(', ')}: pick one.`);
  const missing = types.filter((type) => !handled.includes(type) && !ignore.includes(type as EventTypeOf<T>));
  if (missing.length > 0) {
    throw new Error(`Consumer group ${group} on ${topic} has no handler for ${missing.join(', ')}: handle each, or list it in the consumer's ignore option.`);
  }
}

/** The error kafkajs wrapped (KafkaJSNonRetriableError keeps what was thrown as its `cause`), for a reason a person can act on. */
function unwrapped(error: Error): Error {
  return error.name.startsWith('KafkaJS') && error.cause instanceof Error ? unwrapped(error.cause) : error;
}

const nextOffsetAfter = (offset: string): string => (BigInt(offset) + 1n).toString();

// Offsets as text, cast by PostgreSQL: a log offset may exceed what a JavaScript number holds exactly.
// The message itself is kept for a replay, unless it is over the message limit (a replay would be refused the same way).
// Keys and bodies travel as one binary parameter each, every row taking its slice, and the headers as one JSON array.
const RECORD_DEAD_LETTERS = prepared(`INSERT INTO dead_letter (consumer_group, topic, partition, "offset", event_id, reason, message_kept, message_key, message_value, message_headers)
  SELECT $1, $2, $3, letter.at::bigint, letter.event_id, letter.reason, letter.kept,
         CASE WHEN letter.key_length IS NOT NULL THEN substring($8::bytea FROM letter.key_start + 1 FOR letter.key_length) END,
         CASE WHEN letter.length IS NOT NULL THEN substring($11::bytea FROM letter.start + 1 FOR letter.length) END, NULLIF($14::jsonb -> (letter.position::int - 1), 'null')
    FROM unnest($4::text[], $5::text[], $6::text[], $7::boolean[], $9::int[], $10::int[], $12::int[], $13::int[]) WITH ORDINALITY
      AS letter(at, event_id, reason, kept, key_length, key_start, length, start, position)
  ON CONFLICT DO NOTHING RETURNING "offset"::text AS "offset"`);

/** What a slice's transaction did: the events consumed for the first time ('all', or their ids), and of those, the ones refused and dead-lettered. */
interface BatchOutcome {
  fresh: ReadonlySet<string> | 'all';
  refused: ReadonlySet<HoldfastEvent>;
}

const NONE_REFUSED: ReadonlySet<HoldfastEvent> = new Set();

/**
 * Dead letters Kafka did not take; their transaction rolls back and the messages are consumed again.
 * Retriable for kafkajs whatever the cause: thrown from eachMessage or eachBatch, an error kafkajs
 * counts as final (a refusal such as OUT_OF_ORDER_SEQUENCE_NUMBER or TOPIC_AUTHORIZATION_FAILED)
 * stopped the consumer for good, with no restart, while readiness stayed green.
 */
class DeadLettersNotSent extends Error {
  readonly retriable = true;

  constructor(topic: string, partition: number, letters: number, cause: unknown) {
    super(`${letters} dead letter(s) of ${topic} partition ${partition} were not sent (${(cause as Error)?.message ?? String(cause)}); their messages are consumed again and the letters sent then`, { cause });
    this.name = 'DeadLettersNotSent';
  }
}

/** Thrown inside a transaction to roll back a handler's work on events the guard says were applied before. */
class AppliedBefore extends Error {
  constructor() {
    super('some of the events were applied before; the transaction is rolled back');
  }
}

/**
 * Waits for the guard's answer and the handler, started together: the handler's answer when every
 * event is new and the handler succeeded. A guard failure comes first (the handler's statements then fail for
 * it); a redelivery rolls back whatever the handler did or failed at.
 */
async function admittedWhileApplying<R>(admitted: Promise<ReadonlySet<string> | 'all'>, handled: Promise<R>): Promise<R> {
  const [admission, handling] = await Promise.allSettled([admitted, handled]);
  if (admission.status === 'rejected') throw admission.reason;
  if (admission.value !== 'all') throw new AppliedBefore();
  if (handling.status === 'rejected') throw handling.reason;
  return handling.value;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The kept messages' bytes (keys and bodies, each in one buffer, with every row's length and start) and headers (one JSON array), as RECORD_DEAD_LETTERS takes them. */
function keptMessages(letters: readonly DeadLetter[], kept: readonly boolean[]): [Buffer, (number | null)[], number[], Buffer, (number | null)[], number[], string] {
  const keys = new KeptBytes();
  const values = new KeptBytes();
  const headers: (KeptHeaders | null)[] = [];
  letters.forEach(({ message }, index) => {
    keys.add(kept[index] ? message.key : null);
    values.add(kept[index] ? message.value : null);
    headers.push(kept[index] ? keptHeaders(message.headers) : null);
  });
  return [...keys.parameters(), ...values.parameters(), JSON.stringify(headers)];
}

/** Byte strings sent as one binary parameter, each row taking its slice: an array literal would spell every byte out in hex. */
class KeptBytes {
  private readonly parts: Buffer[] = [];
  private readonly lengths: (number | null)[] = [];
  private readonly starts: number[] = [];
  private start = 0;

  add(bytes: Buffer | null | undefined): void {
    this.lengths.push(bytes ? bytes.length : null);
    this.starts.push(this.start);
    if (!bytes) return;
    this.parts.push(bytes);
    this.start += bytes.length;
  }

  parameters(): [Buffer, (number | null)[], number[]] {
    return [Buffer.concat(this.parts), this.lengths, this.starts];
  }
}
