import { RegionCatalog } from '@holdfast/regions';
import { SERVICE_CONFIG, ZodQueryPipe, type ServiceConfig } from '@holdfast/service-kit';
import { Controller, Get, Global, Module, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { PlannerSettings } from '../config/planner-settings';
import { LocalTimes } from './local-times';

@ApiTags('regions')
@Controller('v1/regions')
export class RegionsController {
  constructor(private readonly catalog: RegionCatalog) {}

  @Get()
  @ApiOperation({ summary: 'Every region a window or hold may name: ISO countries and configured custom regions, with their zones' })
  // It takes no parameters; one given anyway (a filter it does not have) is refused, as every list refuses one it does not know.
  list(@Query(new ZodQueryPipe(z.strictObject({}), 'The regions query')) _query: Record<string, never>) {
    return { items: this.catalog.list() };
  }
}

@Global()
@Module({
  controllers: [RegionsController],
  providers: [
    {
      provide: RegionCatalog,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig<PlannerSettings>) => new RegionCatalog(config.settings.customRegions),
    },
    LocalTimes,
  ],
  exports: [RegionCatalog, LocalTimes],
})
export class RegionsModule {}
