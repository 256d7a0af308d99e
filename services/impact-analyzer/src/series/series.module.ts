import { Module } from '@nestjs/common';
import { SamplesModule } from '../samples/samples.module';
import { SurgesModule } from '../surges/surges.module';
import { SeriesController } from './series.controller';
import { SeriesService } from './series.service';

@Module({
  imports: [SurgesModule, SamplesModule],
  controllers: [SeriesController],
  providers: [SeriesService],
})
export class SeriesModule {}
