import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { MessagingRuntime, UnprocessableEventError } from '@holdfast/messaging';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { SampleAssessmentService } from './sample-assessment.service';

/**
 * Every sample on traffic.samples.v1, from outside pipelines (CloudEvents binary or structured
 * mode, or bare JSON) and from this service's own HTTP and Prometheus intake, assessed a Kafka
 * batch per transaction.
 */
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
      batch: {
        handler: async (samples, transaction) => {
          const refusals = await this.assessment.assess(samples, transaction);
          // Never judged in UTC by default: a sample of a region the catalog does not know fails its
          // batch, which the consumer then applies event by event, dead-lettering that one with the reason.
          if (refusals.length > 0) throw new UnprocessableEventError(refusals.map((refusal) => refusal.reason).join('; '));
        },
      },
    });
  }
}
