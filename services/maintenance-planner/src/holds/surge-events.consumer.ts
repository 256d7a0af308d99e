import { Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable } from '@nestjs/common';
import { HoldsService } from './holds.service';

@Injectable()
export class SurgeEventsConsumer {
  constructor(messaging: MessagingRuntime, holds: HoldsService) {
    messaging.consumer({
      topic: Topics.regionSurges,
      group: 'maintenance-planner.holds',
      handlers: { 'surge.started': (surge, transaction) => holds.placeForSurge(surge, transaction) },
      // Releasing holds when a surge ends is not built yet.
      ignore: ['surge.updated', 'surge.cleared'],
    });
  }
}
