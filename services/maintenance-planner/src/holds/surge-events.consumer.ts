import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HoldsService } from './holds.service';

@Injectable()
export class SurgeEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly holds: HoldsService,
  ) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.regionSurges,
      group: ConsumerGroups.plannerSurges,
      handlers: { 'surge.started': (surge, transaction) => this.holds.placeForSurge(surge, transaction) },
      // Releasing holds when a surge ends is not built yet.
      ignore: ['surge.updated', 'surge.cleared'],
    });
  }
}
