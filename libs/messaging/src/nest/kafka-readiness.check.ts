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
    const stopped = this.stoppedConsumers();
    if (stopped) return session.down({ message: stopped });
    try {
      const cluster = await withinMs(1_500, 'Kafka', this.messaging.describeCluster());
      return session.up(cluster);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  /** Only a restart brings a consumer kafkajs stopped for good back, so liveness fails for it and an orchestrator restarts the service. */
  async alive() {
    const session = this.indicator.check('kafka-consumers');
    const stopped = this.stoppedConsumers();
    return stopped ? session.down({ message: stopped }) : session.up();
  }

  private stoppedConsumers(): string | undefined {
    const stopped = this.messaging.stoppedConsumers();
    if (stopped.length === 0) return undefined;
    const consumers = stopped.map(({ topic, group, cause }) => `the consumer of ${topic} (group ${group}) stopped for good after ${cause.name}: ${cause.message}`);
    return `${consumers.join('; ')}. kafkajs does not restart a consumer after such an error: restart the service`;
  }
}
