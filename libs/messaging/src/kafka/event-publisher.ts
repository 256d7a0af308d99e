import { encodeEvent, topicOfEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { MetricsRegistry } from '@holdfast/observability';
import { type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { firstChoicePartitioner } from './first-choice-partitioner';
import { physicalTopic, type KafkaSettings } from './kafka-settings';
import { silentLogger, type MessagingLogger } from './messaging-logger';

/** A message as the outbox stores it: the logical topic and the encoded record. */
export interface OutboundMessage {
  topic: string;
  /** Bytes for a message sent again as it came (a dead letter, a replay): a key need not be text. */
  key: string | Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
  eventType: string;
}

/** Header values as Kafka carries them: text or bytes, a name repeated as a list (kafkajs's IHeaders without undefined). */
export type MessageHeaders = Record<string, string | Buffer | (string | Buffer)[]>;

/**
 * The most one produce request carries. The broker refuses a record batch over its
 * message.max.bytes (1 MiB by default) as a whole, and kafkajs gives up on it: a send of
 * thousands of messages (a flood of dead letters, a long outbox backlog) goes out in requests of
 * at most this many bytes, each record batch well inside the broker's limit.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;
// What a record adds to its key, value and headers on the wire, at most (lengths, offsets, timestamp deltas, attributes).
const RECORD_OVERHEAD_BYTES = 40;
// The header of a record batch (v2), which the broker counts against message.max.bytes with the records.
const RECORD_BATCH_HEADER_BYTES = 61;
const HEADER_OVERHEAD_BYTES = 10;

/** A record's size as the broker counts it, near enough to stay within a limit. */
export function recordBytes(message: Pick<OutboundMessage, 'key' | 'value' | 'headers'>): number {
  let bytes = RECORD_OVERHEAD_BYTES + (message.key === null ? 0 : Buffer.byteLength(message.key)) + (message.value?.length ?? 0);
  for (const name in message.headers) {
    const value = message.headers[name];
    // A null value (a consumed header passed on as it came) has no bytes.
    for (const one of Array.isArray(value) ? value : [value]) bytes += HEADER_OVERHEAD_BYTES + Buffer.byteLength(name) + (one === null || one === undefined ? 0 : Buffer.byteLength(one));
  }
  return bytes;
}

/** The bytes the broker counts against its message limit for a record batch of this one message: what KAFKA_MAX_MESSAGE_BYTES is held to. */
export function messageBytes(message: Pick<OutboundMessage, 'key' | 'value' | 'headers'>): number {
  return recordBytes(message) + RECORD_BATCH_HEADER_BYTES;
}

/** The messages in order, cut into runs of at most `maxBytes` each; a message larger than that alone is a run of its own. */
export function requestsWithin<M extends Pick<OutboundMessage, 'key' | 'value' | 'headers'>>(messages: readonly M[], maxBytes: number): M[][] {
  const requests: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = recordBytes(message);
    if (current.length > 0 && bytes + size > maxBytes) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

/**
 * The idempotent producer: acks from all in-sync replicas, one request in flight so a retried
 * send cannot overtake the next one, and broker-side de-duplication of retries.
 *
 * One request at a time, in call order: kafkajs winds a partition's sequence number back whenever
 * an attempt fails, even one the broker appended but never answered (its answer timed out, or the
 * connection fell before it came), and a request of another caller waiting on the same producer
 * went next with that number: the broker took it for a resend of the appended one and dropped it
 * while answering success, or refused it as OUT_OF_ORDER_SEQUENCE_NUMBER. Sends made while one is
 * under way go out together as the next request (cut at MAX_REQUEST_BYTES), so waiting costs one
 * round trip however many callers wait, and an outage fails the lot at once rather than one after
 * another. A send with nothing under way, the hot path, starts at once.
 *
 * A send kafkajs gave up on is followed by a new producer (a new producer id, sequence numbers
 * from 0): with the old one the broker refused every later request to that partition as out of
 * order (the outbox relay, sending the same rows again, stalled for good while the service looked
 * healthy), or took a request of as many messages for a resend. A batch that did land is then sent
 * again under the new id: a copy, which consumers apply once by event id.
 */
export class EventPublisher {
  private producer: ProducerInUse;
  /** Sends made while a request was under way, in call order: the next request carries them. */
  private readonly waiting: WaitingSend[] = [];
  private sending = false;
  private disconnected = false;
  private readonly published;

  constructor(
    private readonly kafka: Kafka,
    private readonly settings: Pick<KafkaSettings, 'topicPrefix'>,
    metrics?: MetricsRegistry,
    private readonly logger: MessagingLogger = silentLogger,
  ) {
    this.producer = this.newProducer();
    this.published = metrics?.counter('holdfast_events_published_total', 'Events acknowledged by Kafka', ['topic', 'type']);
  }

  async connect(): Promise<void> {
    this.disconnected = false;
    await this.connected(this.producer);
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
    this.producer.connection = undefined;
    await this.producer.producer.disconnect();
  }

  /** Publishes straight away: for facts from outside (samples) that change no state of ours. */
  publish(...events: HoldfastEvent[]): Promise<void> {
    return this.send(
      events.map((event) => {
        const record = encodeEvent(event);
        return { ...record, topic: topicOfEvent(event.type), eventType: event.type };
      }),
    );
  }

  /**
   * Sends in the given order; per topic and key that order is kept on the partition, and between
   * callers it is the order of their calls. Many messages go out in requests of at most
   * MAX_REQUEST_BYTES, one after another, so should one fail, those before it were sent: a caller
   * that sends again may send them twice, never loses one.
   */
  send(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ messages, resolve, reject });
      if (!this.sending) this.sendNext();
    });
  }

  /** Sends everything waiting as the next request (or requests), or, with nothing waiting, notes that nothing is under way. */
  private sendNext(): void {
    const sends = this.waiting.splice(0);
    this.sending = sends.length > 0;
    if (this.sending) void this.sendTogether(sends);
  }

  /** The sends' messages in requests one after another; each send settles once its last message is acknowledged, or a request fails. */
  private async sendTogether(sends: readonly WaitingSend[]): Promise<void> {
    let resolved = 0;
    try {
      const messages = sends.length === 1 ? sends[0].messages : sends.flatMap((send) => send.messages);
      // One message, the hot path of a hop, is not measured: it is a request of its own either way.
      const requests = messages.length === 1 ? [messages] : requestsWithin(messages, MAX_REQUEST_BYTES);
      let acknowledged = 0;
      let resolvedEnd = 0;
      for (const [index, request] of requests.entries()) {
        await this.sendRequest(request);
        acknowledged += request.length;
        // The next request starts before the last senders hear back, so one sending again at once finds nothing under way.
        if (index === requests.length - 1) this.sendNext();
        while (resolved < sends.length && resolvedEnd + sends[resolved].messages.length <= acknowledged) {
          resolvedEnd += sends[resolved].messages.length;
          sends[resolved++].resolve();
        }
      }
    } catch (error) {
      this.sendNext();
      for (const send of sends.slice(resolved)) send.reject(error);
    }
  }

  private async sendRequest(messages: readonly OutboundMessage[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const topic = physicalTopic(this.settings, message.topic);
      const batch = byTopic.get(topic) ?? [];
      batch.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(topic, batch);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, batch]) => ({ topic, messages: batch }));
    const inUse = this.producer;
    try {
      await this.connected(inUse);
      await inUse.producer.sendBatch({ acks: -1, topicMessages });
    } catch (error) {
      this.replace(inUse, error);
      throw error;
    }
    for (const message of messages) this.published?.inc({ topic: message.topic, type: message.eventType });
  }

  private newProducer(): ProducerInUse {
    // The Java client's murmur2 partitioner, so a key lands on the same partition whichever client produces it.
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: firstChoicePartitioner });
    return { producer };
  }

  /**
   * Connects a producer once. One that failed to connect is replaced too: kafkajs keeps a broker
   * connection whose first request (ApiVersions) went unanswered as connected, and every request on
   * it then fails with "Broker not connected", for good.
   */
  private connected(inUse: ProducerInUse): Promise<void> {
    if (this.disconnected) return Promise.reject(new Error('The event publisher was disconnected (its service is stopping): call connect() before sending again'));
    inUse.connection ??= inUse.producer.connect().catch((error: unknown) => {
      if (this.producer === inUse && !this.disconnected) this.producer = this.newProducer();
      this.disconnectReplaced(inUse);
      throw error;
    });
    return inUse.connection;
  }

  /** Requests from now on go through a new producer; the failed one, with no other request on it, is disconnected. */
  private replace(failed: ProducerInUse, error: unknown): void {
    if (this.producer !== failed || this.disconnected) return;
    this.producer = this.newProducer();
    this.logger.warn(
      { err: error },
      'Kafka producer replaced after a failed send: the broker may have appended what kafkajs gave up on, and the old producer\'s sequence numbers would then have it refuse or drop later sends; the next send connects a new producer',
    );
    this.disconnectReplaced(failed);
  }

  private disconnectReplaced(failed: ProducerInUse): void {
    failed.producer.disconnect().catch((error: unknown) => this.logger.warn({ err: error }, 'a replaced Kafka producer did not disconnect cleanly; its connections close with the process'));
  }
}

/** A kafkajs producer with its connection. */
interface ProducerInUse {
  producer: Producer;
  connection?: Promise<void>;
}

/** A call of send waiting for the request that carries its messages. */
interface WaitingSend {
  messages: readonly OutboundMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}
