import { databaseEnvironmentSchema, databaseSettingsFrom, type DatabaseSettings } from '@holdfast/database';
import { kafkaEnvironmentSchema, kafkaSettingsFrom, type KafkaSettings } from '@holdfast/messaging';
import { parseEnvironment, serviceEnvironmentSchema } from '@holdfast/observability';
import { z } from 'zod';

export const SERVICE_NAME = 'impact-analyzer';
export const DATABASE_SCHEMA = 'impact_analyzer';

const environmentSchema = serviceEnvironmentSchema(3002).extend({
  // Placeholder rule until the seasonal detector is wired in: a sample at or above this value starts a surge.
  SURGE_THRESHOLD: z.coerce.number().positive().default(1_000),
  ...databaseEnvironmentSchema.shape,
  ...kafkaEnvironmentSchema.shape,
});

export interface AnalyzerConfig {
  port: number;
  logLevel: string;
  surgeThreshold: number;
  database: DatabaseSettings;
  kafka: KafkaSettings;
}

export function analyzerConfigFromEnvironment(environment: NodeJS.ProcessEnv = process.env): AnalyzerConfig {
  const env = parseEnvironment(SERVICE_NAME, environmentSchema, environment);
  return {
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    surgeThreshold: env.SURGE_THRESHOLD,
    database: databaseSettingsFrom(env, DATABASE_SCHEMA),
    kafka: kafkaSettingsFrom(env, SERVICE_NAME),
  };
}
