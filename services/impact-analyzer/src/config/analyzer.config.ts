import { serviceConfigFromEnvironment, type ServiceConfig } from '@holdfast/messaging';
import { z } from 'zod';

export const SERVICE_NAME = 'impact-analyzer';
export const DATABASE_SCHEMA = 'impact_analyzer';

const analyzerEnvironment = {
  // Placeholder rule until the seasonal detector is wired in: a sample at or above this value starts a surge.
  SURGE_THRESHOLD: z.coerce.number().positive().default(1_000),
};

export interface AnalyzerConfig extends ServiceConfig {
  surgeThreshold: number;
}

export function analyzerConfigFromEnvironment(environment: NodeJS.ProcessEnv = process.env): AnalyzerConfig {
  const { own, ...config } = serviceConfigFromEnvironment({ service: SERVICE_NAME, schema: DATABASE_SCHEMA, defaultPort: 3002 }, environment, analyzerEnvironment);
  return { ...config, surgeThreshold: own.SURGE_THRESHOLD };
}
