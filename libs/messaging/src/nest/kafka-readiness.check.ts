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
    try {
      const cluster = await withinMs(1_500, 'Kafka', this.messaging.describeCluster());
      return session.up(cluster);
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
