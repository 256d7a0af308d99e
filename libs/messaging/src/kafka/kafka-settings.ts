import { z } from 'zod';

/** The broker `npm run kafka:start` runs on loopback. */
export const DEFAULT_KAFKA_BROKERS = '127.0.0.1:19092';

export const kafkaEnvironmentSchema = z.object({
  KAFKA_BROKERS: z
    .string()
    .default(DEFAULT_KAFKA_BROKERS)
    .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'each broker is host:port')).min(1)),
  // Namespaces every topic and consumer group (e.g. "staging."); tests use it to run files side by side.
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-z0-9._-]*$/, 'lowercase letters, digits, ".", "_" and "-" only').default(''),
});

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topicPrefix: string;
}

/** The settings for a service, from its parsed environment; the service name is the client id. */
export function kafkaSettingsFrom(env: z.infer<typeof kafkaEnvironmentSchema>, service: string): KafkaSettings {
  return { brokers: env.KAFKA_BROKERS, clientId: service, topicPrefix: env.KAFKA_TOPIC_PREFIX };
}

/** The topic as it exists on the broker: the wire name from the contract behind the deployment's prefix. */
export function physicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, logicalTopic: string): string {
  return settings.topicPrefix + logicalTopic;
}

export function logicalTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, physical: string): string {
  return physical.startsWith(settings.topicPrefix) ? physical.slice(settings.topicPrefix.length) : physical;
}
