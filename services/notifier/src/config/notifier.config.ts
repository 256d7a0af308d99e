import { serviceConfigFromEnvironment, type ServiceConfig } from '@holdfast/messaging';

export const SERVICE_NAME = 'notifier';
export const DATABASE_SCHEMA = 'notifier';

export type NotifierConfig = ServiceConfig;

export function notifierConfigFromEnvironment(environment: NodeJS.ProcessEnv = process.env): NotifierConfig {
  return serviceConfigFromEnvironment({ service: SERVICE_NAME, schema: DATABASE_SCHEMA, defaultPort: 3003 }, environment);
}
