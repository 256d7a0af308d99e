import { parseCustomRegions, RegionCatalog } from '@holdfast/regions';
import { SERVICE_CONFIG, type ServiceConfig } from '@holdfast/service-kit';
import { Global, Module } from '@nestjs/common';
import type { AnalyzerSettings } from '../config/analyzer-settings';

/** One region catalog for the service, from the countries data set plus HOLDFAST_CUSTOM_REGIONS. */
@Global()
@Module({
  providers: [
    {
      provide: RegionCatalog,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig<AnalyzerSettings>) => new RegionCatalog(parseCustomRegions(config.settings.customRegions)),
    },
  ],
  exports: [RegionCatalog],
})
export class RegionsModule {}
