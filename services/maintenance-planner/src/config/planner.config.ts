import { serviceConfigFromEnvironment, type ServiceConfig } from '@holdfast/messaging';

export const SERVICE_NAME = 'maintenance-planner';
export const DATABASE_SCHEMA = 'maintenance_planner';

export type PlannerConfig = ServiceConfig;

export function plannerConfigFromEnvironment(environment: NodeJS.ProcessEnv = process.env): PlannerConfig {
  return serviceConfigFromEnvironment({ service: SERVICE_NAME, schema: DATABASE_SCHEMA, defaultPort: 3001 }, environment);
}
