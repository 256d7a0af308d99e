import { TopicSpecs, Topics } from '@holdfast/contracts';
import { DatabaseModule, DatabaseReadinessCheck } from '@holdfast/database';
import { KafkaReadinessCheck, MessagingModule } from '@holdfast/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@holdfast/observability';
import { type DynamicModule, Module } from '@nestjs/common';
import { SERVICE_NAME, type NotifierConfig } from './config/notifier.config';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { notifierDatabase } from './database/notifier-database';

@Module({})
export class AppModule {
  static forRoot(config: NotifierConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot({ service: SERVICE_NAME, level: config.logLevel }),
        MetricsModule.forRoot(SERVICE_NAME),
        DatabaseModule.forRoot(notifierDatabase(config.database)),
        MessagingModule.forRoot({
          kafka: config.kafka,
          topics: [TopicSpecs[Topics.maintenanceWindows], TopicSpecs[Topics.maintenanceHolds], TopicSpecs[Topics.regionSurges]],
        }),
        HealthModule.forRoot([DatabaseReadinessCheck, KafkaReadinessCheck]),
        DeliveriesModule,
      ],
    };
  }
}
