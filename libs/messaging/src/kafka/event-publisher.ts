import { encodeEvent, topicOfEvent, type HoldfastEvent } from '@holdfast/contracts';
import type { MetricsRegistry } from '@holdfast/observability';
import { type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { firstChoicePartitioner } from './first-choice-partitioner';
import { physicalTopic, type KafkaSettings } from './kafka-settings';

/** A message as the outbox stores it: the logical topic and the encoded record. */
export interface OutboundMessage {
  topic: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  eventType: string;
}

/**
 * The idempotent producer: acks from all in-sync replicas, one request in flight so a retried
 * send cannot overtake the next one, and broker-side de-duplication of retries.
 */
export class EventPublisher {
  private readonly producer: Producer;
  private readonly published;

  constructor(
    kafka: Kafka,
    private readonly settings: Pick<KafkaSettings, 'topicPrefix'>,
    metrics?: MetricsRegistry,
  ) {
    // The Java client's murmur2 partitioner, so a key lands on the same partition whichever client produces it.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: firstChoicePartitioner });
    this.published = metrics?.counter('holdfast_events_published_total', 'Events acknowledged by Kafka', ['topic', 'type']);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
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

  /** Sends in the given order; per topic and key that order is kept on the partition. */
  async send(messages: readonly OutboundMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const topic = physicalTopic(this.settings, message.topic);
      const batch = byTopic.get(topic) ?? [];
      batch.push({ key: message.key, value: message.value, headers: message.headers });
      byTopic.set(topic, batch);
    }
    const topicMessages: TopicMessages[] = [...byTopic].map(([topic, batch]) => ({ topic, messages: batch }));
    await this.producer.sendBatch({ acks: -1, topicMessages });
    for (const message of messages) this.published?.inc({ topic: message.topic, type: message.eventType });
  }
}
