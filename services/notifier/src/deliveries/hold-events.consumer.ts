import { Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable } from '@nestjs/common';
import { DeliveriesService } from './deliveries.service';

@Injectable()
export class HoldEventsConsumer {
  constructor(messaging: MessagingRuntime, deliveries: DeliveriesService) {
    messaging.consumer({
      topic: Topics.maintenanceHolds,
      group: 'notifier.holds',
      handlers: { 'hold.placed': (hold, transaction) => deliveries.recordHoldPlaced(hold, transaction) },
      // Deliveries for released and overridden holds are not built yet.
      ignore: ['hold.released', 'hold.overridden'],
    });
  }
}
