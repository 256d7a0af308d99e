import { Module } from '@nestjs/common';
import { HoldsController } from './holds.controller';
import { HoldsService } from './holds.service';
import { SurgeEventsConsumer } from './surge-events.consumer';

@Module({
  controllers: [HoldsController],
  providers: [HoldsService, SurgeEventsConsumer],
})
export class HoldsModule {}
