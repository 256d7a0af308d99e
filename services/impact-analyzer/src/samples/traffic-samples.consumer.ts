import { Topics } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { Injectable } from '@nestjs/common';
import { SurgesService } from '../surges/surges.service';

/** Every sample published to Kafka, from any pipeline or from this service's own HTTP intake. */
@Injectable()
export class TrafficSamplesConsumer {
  constructor(messaging: MessagingRuntime, surges: SurgesService) {
    messaging.consumer({
      topic: Topics.trafficSamples,
      group: 'impact-analyzer.samples',
      handlers: { 'traffic.sample': (sample, transaction) => surges.assessSample(sample, transaction) },
    });
  }
}
