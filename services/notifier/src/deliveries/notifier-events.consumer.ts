import { ConsumerGroups, TopicEvents, Topics, TopicSpecs, type AnyHoldfastEvent, type TopicName } from '@holdfast/contracts';
import { MessagingRuntime, type TransactionalHandlers } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { DeliveriesService } from './deliveries.service';

/**
 * The four topics the notifier tells people about. Every event type of each is handled: any of
 * them can be what a subscription filters on. Handling only records deliveries, in the consumer's
 * transaction; sending is the worker's.
 */
@Injectable()
export class NotifierEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly deliveries: DeliveriesService,
  ) {}

  onModuleInit(): void {
    this.consume(Topics.maintenanceHolds, ConsumerGroups.notifierHolds);
    this.consume(Topics.maintenanceWindows, ConsumerGroups.notifierWindows);
    this.consume(Topics.regionSurges, ConsumerGroups.notifierSurges);
    this.consume(Topics.regionSignals, ConsumerGroups.notifierSignals);
  }

  private consume<T extends TopicName>(topic: T, group: string): void {
    const record = (event: AnyHoldfastEvent, transaction: EntityManager) => this.deliveries.recordFor(event, transaction);
    const handlers = Object.fromEntries(TopicEvents[topic].map((type) => [type, record])) as unknown as TransactionalHandlers<T>;
    // Every partition at once: recording is a short transaction, and the order that matters is per partition.
    this.messaging.consumer({
      topic,
      group,
      handlers,
      // An event no subscription wants is neither recorded nor put in the ledger: no transaction for it (a hold's placement and release excepted, which are remembered).
      isRelevant: (event) => this.deliveries.isWanted(event as AnyHoldfastEvent),
      partitionsConsumedConcurrently: TopicSpecs[topic].partitions,
    });
  }
}
