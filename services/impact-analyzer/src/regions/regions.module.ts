import { RegionCatalog } from '@holdfast/regions';
import { SERVICE_CONFIG, type ServiceConfig } from '@holdfast/service-kit';
import { Global, Module } from '@nestjs/common';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { ZoneWarmUp } from './zone-warm-up';

/** One region catalog for the service, from the countries data set plus HOLDFAST_CUSTOM_REGIONS; its zones warmed up after boot. */
@Global()
@Module({
  providers: [
    {
      provide: RegionCatalog,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig<AnalyzerSettings>) => new RegionCatalog(config.settings.customRegions),
    },
    ZoneWarmUp,
  ],
  exports: [RegionCatalog],
})
export class RegionsModule {}
