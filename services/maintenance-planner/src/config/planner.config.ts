import { databaseEnvironmentSchema, databaseSettingsFrom, type DatabaseSettings } from '@holdfast/database';
import { kafkaEnvironmentSchema, kafkaSettingsFrom, type KafkaSettings } from '@holdfast/messaging';
import { parseEnvironment, serviceEnvironmentSchema } from '@holdfast/observability';

export const SERVICE_NAME = 'maintenance-planner';
export const DATABASE_SCHEMA = 'maintenance_planner';

const environmentSchema = serviceEnvironmentSchema(3001).extend({
  ...databaseEnvironmentSchema.shape,
  ...kafkaEnvironmentSchema.shape,
});

export interface PlannerConfig {
  port: number;
  logLevel: string;
  database: DatabaseSettings;
  kafka: KafkaSettings;
}

export function plannerConfigFromEnvironment(environment: NodeJS.ProcessEnv = process.env): PlannerConfig {
  const env = parseEnvironment(SERVICE_NAME, environmentSchema, environment);
  return {
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    database: databaseSettingsFrom(env, DATABASE_SCHEMA),
    kafka: kafkaSettingsFrom(env, SERVICE_NAME),
  };
}
