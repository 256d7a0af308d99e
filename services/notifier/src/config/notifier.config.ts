import { databaseEnvironmentSchema, databaseSettingsFrom, type DatabaseSettings } from '@holdfast/database';
import { kafkaEnvironmentSchema, kafkaSettingsFrom, type KafkaSettings } from '@holdfast/messaging';
import { parseEnvironment, serviceEnvironmentSchema } from '@holdfast/observability';

export const SERVICE_NAME = 'notifier';
export const DATABASE_SCHEMA = 'notifier';

const environmentSchema = serviceEnvironmentSchema(3003).extend({
  ...databaseEnvironmentSchema.shape,
  ...kafkaEnvironmentSchema.shape,
});

export interface NotifierConfig {
  port: number;
  logLevel: string;
  database: DatabaseSettings;
  kafka: KafkaSettings;
}

export function notifierConfigFromEnvironment(environment: NodeJS.ProcessEnv = process.env): NotifierConfig {
  const env = parseEnvironment(SERVICE_NAME, environmentSchema, environment);
  return {
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: databaseSettingsFrom(env, DATABASE_SCHEMA),
    kafka: kafkaSettingsFrom(env, SERVICE_NAME),
  };
}
