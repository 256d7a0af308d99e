import { RegionError } from '@holdfast/regions';
import { MetricNameSchema } from '@holdfast/contracts';
import { DomainError, InjectServiceConfig, type ServiceConfig, zodAnswerSchema, ZodQueryPipe } from '@holdfast/service-kit';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AnalyzerSettings } from '../config/analyzer-settings';
import { detectionConfigOf } from '../samples/detection-policy';
import { z } from 'zod';
import { RegionBaselinesSchema } from './baseline-view.schema';
import { BaselinesService } from './baselines.service';

const BaselineQuerySchema = z.strictObject({ metric: MetricNameSchema.optional() });

@ApiTags('baselines')
@Controller('v1/regions')
export class BaselinesController {
  private readonly detection;

  constructor(
    private readonly baselines: BaselinesService,
    @InjectServiceConfig() config: ServiceConfig<AnalyzerSettings>,
  ) {
    this.detection = detectionConfigOf(config.settings);
  }

  @Get(':region/baseline')
  @ApiOperation({ summary: "A region's learned hour-of-week profile per metric (index = (isoWeekday-1)*24 + local hour), with sample counts and signal state, and the region's detection settings in force" })
  @ApiQuery({ name: 'metric', required: false, type: String, description: 'only this metric' })
  @ApiOkResponse({ description: "The region's learned profile of each metric, the state of its signal, and the detection settings it is judged by", schema: zodAnswerSchema(RegionBaselinesSchema) })
  @ApiResponse({ status: 400, description: 'invalid-query: metric is not a metric name' })
  @ApiResponse({ status: 404, description: 'unknown-region (not in the catalog), or no-baseline: no sample of the region (or of that metric) learned yet' })
  async baseline(@Param('region') region: string, @Query(new ZodQueryPipe(BaselineQuerySchema, 'The baseline query')) { metric }: z.output<typeof BaselineQuerySchema>) {
    try {
      const baseline = await this.baselines.ofRegion(region, this.detection, metric);
      if (baseline.metrics.length === 0) {
        throw new DomainError('no-baseline', 404, `No samples of ${metric ?? 'any metric'} have been learned for ${baseline.region} yet: send some to POST /v1/samples or traffic.samples.v1.`);
      }
      return baseline;
    } catch (error) {
      if (error instanceof RegionError) throw new DomainError(error.code, 404, error.message);
      throw error;
    }
  }
}
