import { RegionCatalog } from '@holdfast/regions';
import { SERVICE_CONFIG, type ServiceConfig } from '@holdfast/service-kit';
import type { Provider } from '@nestjs/common';
import type { NotifierSettings } from '../config/notifier-settings';
import { MessageRenderer } from './notification-message';

/** The region catalog (for each region's zone) and the renderer built on it and the planner's URL. */
export const messageRendererProviders: Provider[] = [
  {
    provide: RegionCatalog,
    inject: [SERVICE_CONFIG],
    useFactory: (config: ServiceConfig<NotifierSettings>) => new RegionCatalog(config.settings.customRegions),
  },
  {
    provide: MessageRenderer,
    inject: [RegionCatalog, SERVICE_CONFIG],
    useFactory: (catalog: RegionCatalog, config: ServiceConfig<NotifierSettings>) => new MessageRenderer(catalog, config.settings.plannerUrl),
  },
];
