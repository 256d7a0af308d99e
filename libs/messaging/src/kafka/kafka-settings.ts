import { decimalVariable, readableFileSchema, unquotedVariables } from '@holdfast/observability';
import { z } from 'zod';

/** The broker `npm run kafka:start` runs on loopback. */
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:19092';
/** KAFKA_MAX_MESSAGE_BYTES's default: 1 MiB, 12 bytes under Kafka's own message.max.bytes. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

export const kafkaEnvironmentSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default(DEFAULT_KAFKA_BROKERS)
    .transform((value, context) => {
      const brokers = value.split(',').map((broker) => broker.trim()).filter(Boolean);
      // Named by text, not by place in the list: the refusal quotes the whole variable before it.
      const bad = brokers.filter((broker) => !/^[^:\s]+:\d+$/.test(broker));
      if (brokers.length === 0) context.addIssue({ code: 'custom', message: 'name at least one broker as host:port, such as 127.0.0.1:19092' });
      else if (bad.length > 0) context.addIssue({ code: 'custom', message: `each broker must be host:port, such as 127.0.0.1:19092, not ${bad.join(', ')}` });
      return brokers;
    }),
  // Namespaces every topic and consumer group (e.g. "staging."); tests use it to run files side by side.
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" and "-" only').default(''),
  // A consumed message larger than this is dead-lettered unread, so one huge message cannot stall a partition;
  // a dead letter larger than this goes without its body, which the broker would refuse.
  KAFKA_MAX_MESSAGE_BYTES: decimalVariable({ whole: true, unit: 'bytes', min: 1_024 }).default(DEFAULT_MAX_MESSAGE_BYTES),
  KAFKA_SASL_MECHANISM: z.enum(['none', 'scram-sha-256', 'scram-sha-512', 'plain']).default('none'),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional().register(unquotedVariables, { instead: 'a secret, not shown' }),
  KAFKA_TLS: z.enum(['true', 'false']).default('false').transform((value) => value === 'true'),
  // A PEM file with the CA that signed the brokers' certificates; unset trusts the system's CAs.
  KAFKA_TLS_CA_FILE: readableFileSchema.optional(),
  // How long a service waits at boot for brokers that do not answer yet (started before them, or during an outage).
  KAFKA_CONNECT_WAIT_SECONDS: decimalVariable({ unit: 'seconds', min: 0, max: 3_600 }).default(60),
});

/** Cross-field rule of the Kafka variables, for the schema that merges every service variable. */
export function requireSaslCredentials(env: z.infer<typeof kafkaEnvironmentSchema>, context: z.RefinementCtx): void {
  if (env.KAFKA_SASL_MECHANISM === 'none') return;
  for (const name of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
    if (!env[name]) context.addIssue({ code: 'custom', path: [name], message: `is required when KAFKA_SASL_MECHANISM is ${env.KAFKA_SASL_MECHANISM}` });
  }
}

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topicPrefix: string;
  /** Largest message a consumer reads (larger ones go to the dead-letter topic), and largest dead letter sent with its body. */
  maxMessageBytes?: number;
  /** SASL credentials; absent for a broker without authentication (the local one). */
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512' | 'plain'; username: string; password: string };
  /** TLS to the brokers; absent for plaintext. */
  tls?: { caFile?: string };
  /** How long to wait at boot for brokers that do not answer yet (KAFKA_CONNECT_WAIT_SECONDS); only a service's start reads it. */
  connectWaitMs?: number;
}

/** The settings for a service, from its parsed environment; the service name is the client id. */
export function kafkaSettingsFrom(env: z.infer<typeof kafkaEnvironmentSchema>, service: string): KafkaSettings {
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: service,
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    maxMessageBytes: env.KAFKA_MAX_MESSAGE_BYTES,
    connectWaitMs: env.KAFKA_CONNECT_WAIT_SECONDS * 1000,
    ...(env.KAFKA_SASL_MECHANISM !== 'none' ? { sasl: { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME!, password: env.KAFKA_SASL_PASSWORD! } } : {}),
    ...(env.KAFKA_TLS ? { tls: env.KAFKA_TLS_CA_FILE ? { caFile: env.KAFKA_TLS_CA_FILE } : {} } : {}),
  };
}

/** The topic as it exists on the broker: the wire name from the contract behind the deployment's prefix. */
export function physicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, logicalTopic: string): string {
  return settings.topicPrefix + logicalTopic;
}

export function logicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, physical: string): string {
  return physical.startsWith(settings.topicPrefix) ? physical.slice(settings.topicPrefix.length) : physical;
}
