import type { ConsumerGroup, TopicSpec } from '@holdfast/contracts';
import { DatabaseModule, DatabaseReadinessCheck, type ServiceDataSourceOptions } from '@holdfast/database';
import { KafkaReadinessCheck, MessagingModule, type KafkaSettings, type LedgerSettings, type OutboxSettings } from '@holdfast/messaging';
import { HealthModule, LoggingModule, MetricsModule, type ReadinessCheck, type UnmarkedSecret } from '@holdfast/observability';
import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';
import { Authenticator } from '../auth/authenticator';
import { KeyCopyCache } from '../auth/key-copy-cache';
import { KEYS_CONSUMER_GROUP, KeyStateConsumer } from '../auth/key-state.consumer';
import { AuthFailureLimiter } from '../auth/auth-failure-limiter';
import { RequestRateLimiter } from '../auth/request-rate-limiter';
import { RequestGuard } from '../auth/request.guard';
import { Clock, SystemClock } from '../clock/clock';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { DeadLettersModule } from '../dead-letters/dead-letters.module';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { ListCursorInterceptor } from '../http/list-cursor.interceptor';
import { UnreadQueryInterceptor } from '../http/unread-query.interceptor';

export interface ServiceFoundationOptions {
  service: string;
  logLevel: string;
  /** The bootstrap key, cut from every URL the request log writes (recognisedBootstrapKey). */
  bootstrapKey: UnmarkedSecret | null;
  database: ServiceDataSourceOptions;
  kafka: KafkaSettings;
  outbox: OutboxSettings;
  ledger: LedgerSettings;
  /** Topics the service produces to or consumes from. */
  topics: readonly TopicSpec[];
  /** The parsed configuration, injectable anywhere with @InjectServiceConfig(). */
  config: unknown;
  clock?: Clock;
  /** The group that keeps this service's copy of the API keys; null where the keys are issued. */
  keysConsumerGroup: ConsumerGroup | null;
  /** What the service's own health reports beside PostgreSQL and Kafka. */
  healthChecks?: Type<ReadinessCheck>[];
}

@Module({})
class ServiceKitModule {}

/**
 * What every service stands on, in start order: logs, metrics, its database (migrated), Kafka
 * (topics provisioned, outbox relay), health that checks both, GET /v1/dead-letters, and the kit's global providers:
 * the configuration, the clock, the request guard with its API-key authenticator (and the cache
 * of key rows it reads), and the consumer that keeps this service's copy of the keys.
 */
export function serviceFoundation(options: ServiceFoundationOptions): DynamicModule[] {
  return [
    LoggingModule.forRoot({ service: options.service, level: options.logLevel, bootstrapKey: options.bootstrapKey }),
    MetricsModule.forRoot(options.service),
    DatabaseModule.forRoot(options.database),
    MessagingModule.forRoot({ kafka: options.kafka, topics: options.topics, relay: { retentionMs: options.outbox.retentionMs }, ledger: options.ledger }),
    HealthModule.forRoot([DatabaseReadinessCheck, KafkaReadinessCheck, ...(options.healthChecks ?? [])]),
    { module: DeadLettersModule },
    {
      module: ServiceKitModule,
      global: true,
      providers: [
        { provide: SERVICE_CONFIG, useValue: options.config },
        { provide: Clock, useValue: options.clock ?? new SystemClock() },
        KeyCopyCache,
        { provide: Authenticator, useClass: ApiKeyAuthenticator },
        RequestRateLimiter,
        AuthFailureLimiter,
        { provide: APP_GUARD, useClass: RequestGuard },
        // First: a request with a parameter nothing reads is refused before an idempotent POST records its answer.
        { provide: APP_INTERCEPTOR, useClass: UnreadQueryInterceptor },
        { provide: APP_INTERCEPTOR, useClass: ListCursorInterceptor },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        ...(options.keysConsumerGroup ? [{ provide: KEYS_CONSUMER_GROUP, useValue: options.keysConsumerGroup }, KeyStateConsumer] : []),
      ],
      exports: [SERVICE_CONFIG, Clock, Authenticator, KeyCopyCache, AuthFailureLimiter],
    },
  ];
}
