import { Module } from '@nestjs/common';
import { SurgesModule } from '../surges/surges.module';
import { SamplesController } from './samples.controller';
import { TrafficSamplesConsumer } from './traffic-samples.consumer';

@Module({
  imports: [SurgesModule],
  controllers: [SamplesController],
  providers: [TrafficSamplesConsumer],
})
export class SamplesModule {}
