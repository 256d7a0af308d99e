import { RegionCatalog } from '@holdfast/regions';
import { SERVICE_CONFIG, ZodQueryPipe, type ServiceConfig } from '@holdfast/service-kit';
import { Controller, Get, Global, Module, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { PlannerSettings } from '../config/planner-settings';
import { LocalTimes } from './local-times';
import { REGIONS_ANSWER, type RegionsAnswer } from './region-view.schema';

@ApiTags('regions')
@Controller('v1/regions')
export class RegionsController {
  constructor(private readonly catalog: RegionCatalog) {}

  @Get()
  @ApiOperation({ summary: 'Every region a window or hold may name: ISO countries and configured custom regions, with their zones' })
  @ApiOkResponse({ description: 'Every region, codes in the form a request names them', schema: REGIONS_ANSWER })
  // It takes no parameters; one given anyway (a filter it does not have) is refused, as every list refuses one it does not know.
  list(@Query(new ZodQueryPipe(z.strictObject({}), 'The regions query')) _query: Record<string, never>): RegionsAnswer {
    return { items: this.catalog.list().map((region) => ({ ...region, zones: [...region.zones] })) };
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
