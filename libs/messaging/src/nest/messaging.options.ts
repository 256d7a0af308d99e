import type { TopicSpec } from '@holdfast/contracts';
import type { KafkaSettings } from '../kafka/kafka-settings';

export interface MessagingOptions {
  kafka: KafkaSettings;
  /** Topics this service produces to or consumes from; created at start when missing. */
  topics: readonly TopicSpec[];
  relay?: { pollIntervalMs?: number; batchSize?: number; retentionMs?: number };
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
