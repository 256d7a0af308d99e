import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { MessagingRuntime, UnprocessableEventError } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SampleAssessmentService } from './sample-assessment.service';

/** Every sample published to Kafka, from any pipeline or from this service's own HTTP and Prometheus intake. */
@Injectable()
export class TrafficSamplesConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly assessment: SampleAssessmentService,
  ) {}

  onModuleInit(): void {
    this.messaging.consumer({
      topic: Topics.trafficSamples,
      group: ConsumerGroups.analyzerSamples,
      handlers: {
        'traffic.sample': async (sample, transaction) => {
          const [refusal] = await this.assessment.assess([sample], transaction);
          // Never judged in UTC by default: a sample of a region the catalog does not know is dead-lettered with why.
          if (refusal) throw new UnprocessableEventError(refusal.reason);
        },
      },
    });
  }
}
