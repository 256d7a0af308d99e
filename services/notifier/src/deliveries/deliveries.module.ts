import { Module } from '@nestjs/common';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { HoldEventsConsumer } from './hold-events.consumer';

@Module({
  controllers: [DeliveriesController],
  providers: [DeliveriesService, HoldEventsConsumer],
})
export class DeliveriesModule {}
