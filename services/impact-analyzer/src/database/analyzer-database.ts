import type { DatabaseSettings, ServiceDataSourceOptions } from '@holdfast/database';
import { CreateMessagingTables1764000000000 } from '@holdfast/messaging';
import { SERVICE_NAME } from '../config/analyzer.config';
import { SurgeEntity } from '../surges/surge.entity';
import { CreateSurge1764000100000 } from './migrations/1764000100000-create-surge';

/** Everything the analyzer keeps in its schema, and the migrations that build it, in order. */
export function analyzerDatabase(settings: DatabaseSettings): ServiceDataSourceOptions {
  return {
    settings,
    applicationName: SERVICE_NAME,
    entities: [SurgeEntity],
    migrations: [CreateMessagingTables1764000000000, CreateSurge1764000100000],
  };
}
