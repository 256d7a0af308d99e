import { Module } from '@nestjs/common';
import { BaselinesModule } from '../baselines/baselines.module';
import { SurgesModule } from '../surges/surges.module';
import { SampleAssessmentService } from './sample-assessment.service';
import { SamplesController } from './samples.controller';
import { SeriesCapService } from './series-cap.service';
import { TrafficSamplesConsumer } from './traffic-samples.consumer';

@Module({
  imports: [SurgesModule, BaselinesModule],
  controllers: [SamplesController],
  providers: [SampleAssessmentService, SeriesCapService, TrafficSamplesConsumer],
  exports: [SampleAssessmentService, SeriesCapService, TrafficSamplesConsumer],
})
export class SamplesModule {}
