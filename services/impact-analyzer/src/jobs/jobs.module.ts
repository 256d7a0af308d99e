import { Module } from '@nestjs/common';
import { DeclarationsModule } from '../declarations/declarations.module';
import { SamplesModule } from '../samples/samples.module';
import { SignalsModule } from '../signals/signals.module';
import { SurgesModule } from '../surges/surges.module';
import { AnalyzerJobsService } from './analyzer-jobs.service';

@Module({
  imports: [SurgesModule, DeclarationsModule, SignalsModule, SamplesModule],
  providers: [AnalyzerJobsService],
  exports: [AnalyzerJobsService],
})
export class JobsModule {}
