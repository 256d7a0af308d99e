import { MetricNameSchema, RegionCodeSchema, StatedReasonSchema } from '@holdfast/contracts';
import { RegionError } from '@holdfast/regions';
import { actorOf, ApiZodQuery, CurrentPrincipal, DomainError, type Principal, RequireScope, zodAnswerSchema, ZodQueryPipe, ZodValuePipe } from '@holdfast/service-kit';
import { Controller, Delete, HttpCode, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { type RetiredSeries, SeriesService } from './series.service';

// A retirement ends a hold, so it says why, as cancelling a window does (DELETE with ?reason=).
const RetireSeriesQuerySchema = z.strictObject({ reason: StatedReasonSchema.meta({ description: 'why the series is retired (the metric renamed or dropped); kept in the reason of the surges it clears' }) });

const RetiredSeriesSchema = z.strictObject({
  region: RegionCodeSchema,
  metric: MetricNameSchema,
  lastSampleAt: z.iso.datetime().nullable(),
  signalLostAt: z.iso.datetime().nullable().meta({ description: 'when its signal was declared lost; null if it was not' }),
  retiredAt: z.iso.datetime(),
  clearedSurges: z.array(z.uuid()).meta({ description: "the ids of the detector's surges of the series that were active (a lost signal's hold, an episode, a warm-up ceiling's), cleared with the reason" }),
});

function viewOf(retired: RetiredSeries): z.output<typeof RetiredSeriesSchema> {
  return {
    region: retired.region,
    metric: retired.metric,
    lastSampleAt: retired.lastSampleAt?.toISOString() ?? null,
    signalLostAt: retired.signalLostAt?.toISOString() ?? null,
    retiredAt: retired.retiredAt.toISOString(),
    clearedSurges: retired.clearedSurges,
  };
}

@ApiTags('series')
@Controller('v1/regions')
export class SeriesController {
  constructor(private readonly series: SeriesService) {}

  @Delete(':region/series/:metric')
  @RequireScope('admin')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Retire a region's series (a metric renamed or dropped): its detector state is forgotten and its detector surges, a lost signal's hold among them, cleared with the reason, and its baseline deleted from region.baselines.v1 by a tombstone, so the planner drops its copy; a sample of it arriving later starts it afresh",
  })
  @ApiZodQuery(RetireSeriesQuerySchema)
  @ApiOkResponse({ description: 'The series retired', schema: zodAnswerSchema(RetiredSeriesSchema) })
  @ApiResponse({ status: 400, description: 'invalid-query (reason missing or only white space, an unknown parameter) or invalid-path (metric is not a metric name)' })
  @ApiResponse({ status: 404, description: 'unknown-region (not in the catalog) or series-not-found (the region has no such series: GET /v1/regions/{region}/baseline lists them)' })
  async retire(
    @Param('region') region: string,
    @Param('metric', new ZodValuePipe(MetricNameSchema)) metric: string,
    @Query(new ZodQueryPipe(RetireSeriesQuerySchema)) { reason }: z.output<typeof RetireSeriesQuerySchema>,
    @CurrentPrincipal() principal: Principal,
  ) {
    try {
      return viewOf(await this.series.retire(region, metric, reason, actorOf(principal)));
    } catch (error) {
      if (error instanceof RegionError) throw new DomainError(error.code, 404, error.message);
      throw error;
    }
  }
}
