import { Module } from '@nestjs/common';
import { SurgesModule } from '../surges/surges.module';
import { SignalWatchService } from './signal-watch.service';

@Module({
  imports: [SurgesModule],
  providers: [SignalWatchService],
  exports: [SignalWatchService],
})
export class SignalsModule {}
