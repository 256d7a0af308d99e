import type { DatabaseSettings, ServiceDataSourceOptions } from '@holdfast/database';
import { MessagingMigrations } from '@holdfast/messaging';
import { SERVICE_NAME } from '../config/analyzer.config';
import { SurgeEntity } from '../surges/surge.entity';
import { CreateSurge1764000100000 } from './migrations/1764000100000-create-surge';

/** Everything the analyzer keeps in its schema, and the migrations that build it, in order. */
export function analyzerDatabase(settings: DatabaseSettings): ServiceDataSourceOptions {
  return {
    settings,
    applicationName: SERVICE_NAME,
    entities: [SurgeEntity],
    migrations: [...MessagingMigrations, CreateSurge1764000100000],
  };
}
