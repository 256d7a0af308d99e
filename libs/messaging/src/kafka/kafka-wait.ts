import { type BootWait, inSeconds, waitUntilUp } from '@holdfast/observability';
import { createKafka } from './kafka-client.factory';
import { DEFAULT_KAFKA_BROKERS, type KafkaSettings } from './kafka-settings';
import type { MessagingLogger } from './messaging-logger';

// Node's codes for a TLS handshake that failed or a certificate it did not trust.
const TLS_FAILURE = /^(ERR_SSL_|ERR_TLS_|CERT_|EPROTO$)|SELF_SIGNED|UNABLE_TO_|HOSTNAME_MISMATCH/;

type Failure = { name?: string; type?: string; code?: string; cause?: unknown };

/** The error and what kafkajs wrapped in it: a retry given up on keeps the last failure as its cause. */
function chain(error: unknown): Failure[] {
  const failures: Failure[] = [];
  let at: unknown = error;
  while (at && typeof at === 'object' && !failures.includes(at as Failure)) {
    failures.push(at as Failure);
    at = (at as Failure).cause;
  }
  return failures;
}

const saslRefused = (error: unknown): boolean =>
  chain(error).some(({ name, type }) => name === 'KafkaJSSASLAuthenticationError' || type === 'SASL_AUTHENTICATION_FAILED' || type === 'UNSUPPORTED_SASL_MECHANISM');
const tlsFailed = (error: unknown): boolean => chain(error).some(({ code }) => TLS_FAILURE.test(code ?? ''));

/**
 * Whether another attempt may pass: anything but a refusal of the service's own configuration
 * (its SASL credentials or mechanism, TLS to a broker that does not speak it or a certificate not
 * trusted), which a broker starting up, restarting or not resolvable yet never gives.
 */
export const worthWaitingFor = (error: unknown): boolean => !saslRefused(error) && !tlsFailed(error);

const QUIET: MessagingLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Resolves once the brokers answer (a connection and the cluster's metadata), trying again while
 * they are not up yet (up to `waitMs`), so a service started before its broker, or during an
 * outage, starts once the broker is back instead of exiting. Otherwise rejects with one line that
 * says what the brokers answered and what to do.
 */
export async function waitForKafka(settings: KafkaSettings, wait: BootWait): Promise<void> {
  // One try per attempt: kafkajs's own retries (about 15 s) would hide the attempts, and its log lines repeat ours.
  const kafka = createKafka(settings, QUIET, { retries: 0 });
  const connectOnce = async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
  try {
    await waitUntilUp(connectOnce, wait, { what: `Kafka at ${settings.brokers.join(',')}`, variable: 'KAFKA_CONNECT_WAIT_SECONDS', notUpYet: worthWaitingFor });
  } catch (error) {
    throw kafkaFailure(settings, error, wait.waitMs);
  }
}

/** Brokers that cannot be used, in one line: what they answered and what to do. At boot, for the wait and for the runtime alike. */
export function kafkaFailure(settings: KafkaSettings, error: unknown, waitedMs = 0): Error {
  const brokers = settings.brokers.join(',');
  const { message } = error as Error;
  const { sasl } = settings;
  if (saslRefused(error) && sasl) {
    return new Error(
      `Kafka at ${brokers} refused the SASL credentials (${sasl.mechanism}, user ${sasl.username}): check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM against the broker's users.`,
      { cause: error },
    );
  }
  if (tlsFailed(error)) {
    return new Error(`TLS to Kafka at ${brokers} failed (${message}): check KAFKA_TLS and KAFKA_TLS_CA_FILE against the brokers' listeners and certificates.`, { cause: error });
  }
  const waited = waitedMs > 0 ? ` after waiting ${inSeconds(waitedMs)} (KAFKA_CONNECT_WAIT_SECONDS)` : '';
  // Only the local broker is ours to start; another is someone's cluster, maybe briefly away.
  const hint =
    brokers === DEFAULT_KAFKA_BROKERS
      ? 'Start the local broker with "npm run kafka:start", or point KAFKA_BROKERS at a running one.'
      : 'Check that the brokers in KAFKA_BROKERS run and are reachable from here.';
  return new Error(`Kafka at ${brokers} is not usable${waited}: ${message}. ${hint}`, { cause: error });
}
