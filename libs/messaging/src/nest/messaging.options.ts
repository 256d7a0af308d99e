import type { TopicSpec } from '@holdfast/contracts';
import type { KafkaSettings } from '../kafka/kafka-settings';

export interface MessagingOptions {
  kafka: KafkaSettings;
  /** Topics this service produces to or consumes from; created at start when missing. */
  topics: readonly TopicSpec[];
  relay?: { pollIntervalMs?: number; batchSize?: number; retentionMs?: number };
  /** Processed-event ledger retention (PROCESSED_EVENT_RETENTION_DAYS, see ledger-settings.ts); 7 days when not given. */
  ledger?: { retentionMs?: number };
}

export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');
