import { TopicSpecs, Topics } from '@holdfast/contracts';
import { DatabaseModule, DatabaseReadinessCheck } from '@holdfast/database';
import { KafkaReadinessCheck, MessagingModule } from '@holdfast/messaging';
import { HealthModule, LoggingModule, MetricsModule } from '@holdfast/observability';
import { type DynamicModule, Module } from '@nestjs/common';
import { ANALYZER_CONFIG } from './config/analyzer-config.token';
import { SERVICE_NAME, type AnalyzerConfig } from './config/analyzer.config';
import { analyzerDatabase } from './database/analyzer-database';
import { SamplesModule } from './samples/samples.module';
import { SurgesModule } from './surges/surges.module';

@Module({})
export class AppModule {
  static forRoot(config: AnalyzerConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggingModule.forRoot({ service: SERVICE_NAME, level: config.logLevel }),
        MetricsModule.forRoot(SERVICE_NAME),
        DatabaseModule.forRoot(analyzerDatabase(config.database)),
        MessagingModule.forRoot({
          kafka: config.kafka,
          topics: [TopicSpecs[Topics.trafficSamples], TopicSpecs[Topics.regionSurges], TopicSpecs[Topics.regionBaselines]],
        }),
        HealthModule.forRoot([DatabaseReadinessCheck, KafkaReadinessCheck]),
        SurgesModule,
        SamplesModule,
      ],
      providers: [{ provide: ANALYZER_CONFIG, useValue: config }],
      exports: [ANALYZER_CONFIG],
    };
  }
}
