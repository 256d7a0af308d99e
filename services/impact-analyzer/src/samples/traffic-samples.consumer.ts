import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SurgesService } from '../surges/surges.service';

/** Every sample published to Kafka, from any pipeline or from this service's own HTTP intake. */
@Injectable()
export class TrafficSamplesConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly surges: SurgesService,
  ) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.trafficSamples,
      group: ConsumerGroups.analyzerSamples,
      handlers: { 'traffic.sample': (sample, transaction) => this.surges.assessSample(sample, transaction) },
    });
  }
}
