import { withinMs, type ReadinessCheck } from '@holdfast/observability';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { MessagingRuntime } from './messaging-runtime';

@Injectable()
export class KafkaReadinessCheck implements ReadinessCheck {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check() {
    const session = this.indicator.check('kafka');
    // The broker may answer while a consumer reads nothing more: the service is no more ready than that consumer.
    const stopped = this.messaging.stoppedConsumers();
    if (stopped.length > 0) {
      const consumers = stopped.map(({ topic, group, cause }) => `the consumer of ${topic} (group ${group}) stopped for good after ${cause.name}: ${cause.message}`);
      return session.down({ message: `${consumers.join('; ')}. kafkajs does not restart a consumer after such an error: restart the service` });
    }
    try {
      const cluster = await withinMs(1_500, 'Kafka', this.messaging.describeCluster());
      return session.up(cluster);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
