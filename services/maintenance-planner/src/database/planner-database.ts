import type { DatabaseSettings, ServiceDataSourceOptions } from '@holdfast/database';
import { MessagingMigrations } from '@holdfast/messaging';
import { AuditEntryEntity } from '../audit/audit-entry.entity';
import { SERVICE_NAME } from '../config/planner.config';
import { HoldEntity } from '../holds/hold.entity';
import { CreateHoldAndAudit1764000100000 } from './migrations/1764000100000-create-hold-and-audit';

/** Everything the planner keeps in its schema, and the migrations that build it, in order. */
export function plannerDatabase(settings: DatabaseSettings): ServiceDataSourceOptions {
  return {
    settings,
    applicationName: SERVICE_NAME,
    entities: [HoldEntity, AuditEntryEntity],
    migrations: [...MessagingMigrations, CreateHoldAndAudit1764000100000],
  };
}
