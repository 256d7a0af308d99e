import { isInfrastructureFailure } from '@holdfast/messaging';

/** What a request may need and fail to reach. */
export type Dependency = 'Kafka' | 'PostgreSQL';

/**
 * The dependency a failure says was unreachable, restarting or briefly refusing (the same request
 * may pass when sent again), or undefined for any other failure. A request handler's only network
 * peers are Kafka (kafkajs's retriable errors, also as the cause of its give-up after retries) and
 * PostgreSQL (what the consumers retry until it passes: messaging's isInfrastructureFailure).
 */
export function unreachableDependency(error: unknown): Dependency | undefined {
  let link: unknown = error;
  for (let depth = 0; link && depth < 5; depth++) {
    const { name, retriable, cause } = link as { name?: unknown; retriable?: unknown; cause?: unknown };
    if (typeof name === 'string' && name.startsWith('KafkaJS') && retriable === true) return 'Kafka';
    link = cause;
  }
  return isInfrastructureFailure(error) ? 'PostgreSQL' : undefined;
}
