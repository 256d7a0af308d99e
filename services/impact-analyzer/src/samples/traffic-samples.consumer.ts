import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { MessagingRuntime, physicalTopic, type EventConsumer } from '@holdfast/messaging';
import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { SampleAssessmentService } from './sample-assessment.service';

/**
 * One partition's worth a fetch rather than kafkajs's 10 MB: a fetch is decoded whole before its first
 * batch is handled, and six partitions' messages waiting their turn outlive V8's young generation, so
 * the collector copies them all (docs/performance-journal.md, "Garbage collection and the retry wrapper").
 */
export const SAMPLE_FETCH_MAX_BYTES = 1_048_576;

/**
 * Every sample on traffic.samples.v1, from outside pipelines (CloudEvents binary or structured
 * mode, or bare JSON) and from this service's own HTTP and Prometheus intake, assessed a Kafka
 * batch per transaction.
 */
@Injectable()
export class TrafficSamplesConsumer implements OnModuleInit, OnApplicationShutdown {
  private consumer?: EventConsumer<typeof Topics.trafficSamples>;
  private admin?: Promise<Admin>;

  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly assessment: SampleAssessmentService,
    @InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>,
  ) {}

  onModuleInit(): void {
    this.consumer = this.messaging.consumer({
      topic: Topics.trafficSamples,
      group: ConsumerGroups.analyzerSamples,
      maxFetchBytes: SAMPLE_FETCH_MAX_BYTES,
      batch: {
        // A Kafka fetch (up to 1 MB per partition) in one transaction: each series' state is read and written once per batch.
        maxEvents: 5_000,
        // A ledger row per sample was most of PostgreSQL's work per batch; a copy of a sample published
        // again is left out by the detector itself (not newer than its series' last sample), so the offset fence is enough.
        idempotence: 'partition-offset',
        // Never judged in UTC by default: a sample of a region the catalog does not know is refused by
        // its index and dead-lettered with the reason, in the transaction that keeps the batch's others.
        handler: (samples, transaction) => this.assessment.assess(samples, transaction),
      },
      // A sample of an unknown region under another region's key is refused for its region first, not sent to be re-keyed.
      refusalOf: (sample) => this.assessment.refusalOf(sample),
    });
  }

  /** Messages not yet consumed by the group, per partition: the group's committed offset against the log end. */
  async lag(): Promise<{ partition: number; messages: number }[]> {
    if (!this.consumer) return [];
    const admin = await this.connectedAdmin();
    const topic = physicalTopic(this.config.kafka, Topics.trafficSamples);
    const [ends, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId: this.consumer.groupId, topics: [topic] })]);
    const position = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
    return ends.map((end) => {
      const at = position.get(end.partition) ?? -1;
      // -1: the group has committed nothing on the partition yet, so all of it is ahead.
      return { partition: end.partition, messages: Math.max(0, Number(end.high) - (at < 0 ? Number(end.low) : at)) };
    });
  }

  /**
   * The admin client, connected once and kept. A connection that failed (the broker away) is not
   * kept: held, its rejection would answer every later run, leaving the lag gauge stale until a
   * restart, and failing the shutdown.
   */
  private connectedAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.messaging.kafka.admin();
      this.admin = admin.connect().then(
        () => admin,
        (error: unknown) => {
          this.admin = undefined;
          throw error;
        },
      );
    }
    return this.admin;
  }

  async onApplicationShutdown(): Promise<void> {
    // Read once: a connection under way when shutdown began is waited for, and one that failed has nothing to close.
    const admin = await this.admin?.catch(() => undefined);
    await admin?.disconnect();
  }
}
