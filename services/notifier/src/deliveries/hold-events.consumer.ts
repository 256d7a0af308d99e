import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { DeliveriesService } from './deliveries.service';

@Injectable()
export class HoldEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly deliveries: DeliveriesService,
  ) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.maintenanceHolds,
      group: ConsumerGroups.notifierHolds,
      handlers: { 'hold.placed': (hold, transaction) => this.deliveries.recordHoldPlaced(hold, transaction) },
      // Deliveries for released and overridden holds are not built yet.
      ignore: ['hold.released', 'hold.overridden'],
    });
  }
}
