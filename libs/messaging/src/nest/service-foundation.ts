import type { TopicSpec } from '@holdfast/contracts';
import { DatabaseModule, DatabaseReadinessCheck, type ServiceDataSourceOptions } from '@holdfast/database';
import { HealthModule, LoggingModule, MetricsModule } from '@holdfast/observability';
import type { DynamicModule } from '@nestjs/common';
import type { KafkaSettings } from '../kafka/kafka-settings';
import type { OutboxSettings } from '../outbox/outbox-settings';
import { KafkaReadinessCheck } from './kafka-readiness.check';
import { MessagingModule } from './messaging.module';

export interface ServiceFoundationOptions {
  service: string;
  logLevel: string;
  database: ServiceDataSourceOptions;
  kafka: KafkaSettings;
  outbox: OutboxSettings;
  /** Topics the service produces to or consumes from. */
  topics: readonly TopicSpec[];
}

/**
 * What every service stands on, in start order: logs, metrics, its database (migrated), Kafka
 * (topics provisioned, outbox relay), and health that checks both. Lives here because messaging
 * is the one library that already depends on all the others.
 */
export function serviceFoundation(options: ServiceFoundationOptions): DynamicModule[] {
  return [
    LoggingModule.forRoot({ service: options.service, level: options.logLevel }),
    MetricsModule.forRoot(options.service),
    DatabaseModule.forRoot(options.database),
    MessagingModule.forRoot({ kafka: options.kafka, topics: options.topics, relay: { retentionMs: options.outbox.retentionMs } }),
    HealthModule.forRoot([DatabaseReadinessCheck, KafkaReadinessCheck]),
  ];
}
