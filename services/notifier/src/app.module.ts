import { TopicSpecs, Topics } from '@holdfast/contracts';
import { serviceFoundation } from '@holdfast/messaging';
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
        ...serviceFoundation({
          service: SERVICE_NAME,
          logLevel: config.logLevel,
          database: notifierDatabase(config.database),
          kafka: config.kafka,
          outbox: config.outbox,
          topics: [TopicSpecs[Topics.maintenanceWindows], TopicSpecs[Topics.maintenanceHolds], TopicSpecs[Topics.regionSurges]],
        }),
        DeliveriesModule,
      ],
    };
  }
}
