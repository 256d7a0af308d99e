import { TopicSpecs, Topics } from '@holdfast/contracts';
import { serviceFoundation } from '@holdfast/messaging';
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
        ...serviceFoundation({
          service: SERVICE_NAME,
          logLevel: config.logLevel,
          database: plannerDatabase(config.database),
          kafka: config.kafka,
          outbox: config.outbox,
          topics: [TopicSpecs[Topics.regionSurges], TopicSpecs[Topics.regionBaselines], TopicSpecs[Topics.maintenanceWindows], TopicSpecs[Topics.maintenanceHolds]],
        }),
        HoldsModule,
      ],
    };
  }
}
