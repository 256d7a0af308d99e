import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { defineService } from '@holdfast/service-kit';
import { CreateDelivery1764000100000 } from './database/migrations/1764000100000-create-delivery';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { DeliveryEntity } from './deliveries/delivery.entity';
import { SERVICE_NAME } from './service-name';

/** The notifier: tells owners, dashboards and alert consumers what was held and released. */
export const notifierService = defineService({
  name: SERVICE_NAME,
  description: 'Tells owners, dashboards and alert consumers about holds, releases and window changes.',
  schema: 'notifier',
  defaultPort: 3003,
  topics: [Topics.maintenanceWindows, Topics.maintenanceHolds, Topics.regionSurges],
  entities: [DeliveryEntity],
  migrations: [CreateDelivery1764000100000],
  modules: [DeliveriesModule],
  keysConsumerGroup: ConsumerGroups.notifierKeys,
});
