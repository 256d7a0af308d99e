import { Module } from '@nestjs/common';
import { BaselinesModule } from '../baselines/baselines.module';
import { SurgesModule } from '../surges/surges.module';
import { SampleAssessmentService } from './sample-assessment.service';
import { SamplesController } from './samples.controller';
import { SeriesCapService } from './series-cap.service';
import { SourceLabels } from './source-label';
import { TrafficSamplesConsumer } from './traffic-samples.consumer';

@Module({
  imports: [SurgesModule, BaselinesModule],
  controllers: [SamplesController],
  providers: [
    SampleAssessmentService,
    SeriesCapService,
    TrafficSamplesConsumer,
    // One for the process: the consumer and the HTTP intake count into one metric, so they share its SOURCE_LABELS_MAX names.
    { provide: SourceLabels, useFactory: () => new SourceLabels() },
  ],
  exports: [SampleAssessmentService, SeriesCapService, TrafficSamplesConsumer],
})
export class SamplesModule {}
