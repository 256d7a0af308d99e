import { TopicSpecs, Topics } from '@holdfast/contracts';
import { DatabaseModule, DatabaseReadinessCheck } from '@holdfast/database';
import { KafkaReadinessCheck, MessagingModule } from '@holdfast/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@holdfast/observability';
import { type DynamicModule, Module } from '@nestjs/common';
import { SERVICE_NAME, type PlannerConfig } from './config/planner.config';
import { plannerDatabase } from './database/planner-database';
import { HoldsModule } from './holds/holds.module';

@Module({})
export class AppModule {
  static forRoot(config: PlannerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot({ service: SERVICE_NAME, level: config.logLevel }),
        MetricsModule.forRoot(SERVICE_NAME),
        DatabaseModule.forRoot(plannerDatabase(config.database)),
        MessagingModule.forRoot({
          kafka: config.kafka,
          topics: [TopicSpecs[Topics.regionSurges], TopicSpecs[Topics.regionBaselines], TopicSpecs[Topics.maintenanceWindows], TopicSpecs[Topics.maintenanceHolds]],
        }),
        HealthModule.forRoot([DatabaseReadinessCheck, KafkaReadinessCheck]),
        HoldsModule,
      ],
    };
  }
}
