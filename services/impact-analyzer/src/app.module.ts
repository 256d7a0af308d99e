import { TopicSpecs, Topics } from '@holdfast/contracts';
import { serviceFoundation } from '@holdfast/messaging';
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
        ...serviceFoundation({
          service: SERVICE_NAME,
          logLevel: config.logLevel,
          database: analyzerDatabase(config.database),
          kafka: config.kafka,
          outbox: config.outbox,
          topics: [TopicSpecs[Topics.trafficSamples], TopicSpecs[Topics.regionSurges], TopicSpecs[Topics.regionBaselines]],
        }),
        SurgesModule,
        SamplesModule,
      ],
      providers: [{ provide: ANALYZER_CONFIG, useValue: config }],
      exports: [ANALYZER_CONFIG],
    };
  }
}
