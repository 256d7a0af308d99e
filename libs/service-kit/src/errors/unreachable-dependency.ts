import { isInfrastructureFailure } from '@holdfast/messaging';
import { DomainError } from './domain.error';

/** What a request may need and fail to reach. */
export type Dependency = 'Kafka' | 'PostgreSQL';

// A restarting PostgreSQL or a broker's leader election is back within seconds.
const DEPENDENCY_RETRY_AFTER_SECONDS = 5;

/**
 * The 503 a request answers when `dependency` did not complete it, with Retry-After. `detail` says
 * what became of the request where the caller needs more than that it can send it again.
 */
export function dependencyUnavailable(
  dependency: Dependency,
  // The error itself is logged, not answered: it names the service's own hosts and ports.
  detail = `${dependency} did not complete this request: it is unreachable, restarting or busy. Send the request again in a few seconds; GET /health/ready says when it is back.`,
): DomainError {
  return new DomainError('dependency-unavailable', 503, detail, { dependency, retryAfterSeconds: DEPENDENCY_RETRY_AFTER_SECONDS });
}

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
