import type { DatabaseSettings, ServiceDataSourceOptions } from '@holdfast/database';
import { MessagingMigrations } from '@holdfast/messaging';
import { SERVICE_NAME } from '../config/notifier.config';
import { DeliveryEntity } from '../deliveries/delivery.entity';
import { CreateDelivery1764000100000 } from './migrations/1764000100000-create-delivery';

/** Everything the notifier keeps in its schema, and the migrations that build it, in order. */
export function notifierDatabase(settings: DatabaseSettings): ServiceDataSourceOptions {
  return {
    settings,
    applicationName: SERVICE_NAME,
    entities: [DeliveryEntity],
    migrations: [...MessagingMigrations, CreateDelivery1764000100000],
  };
}
