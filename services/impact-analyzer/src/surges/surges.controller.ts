import { MetricNameSchema, RegionCodeSchema, SignalLossSchema, StatedReasonSchema, SurgeEvidenceSchema, SurgeSeveritySchema, SurgeSourceSchema } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import {
  actorOf,
  ApiZodBody,
  ApiZodQuery,
  atField,
  CurrentPrincipal,
  CursorSchema,
  DomainError,
  PageLimitSchema,
  type Principal,
  RequireScope,
  UuidParamPipe,
  ZodBodyPipe,
  ZodQueryPipe,
  zodAnswerSchema,
  zodPageSchema,
} from '@holdfast/service-kit';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { SurgeEntity } from './surge.entity';
import { SurgesService } from './surges.service';

const SurgeViewSchema = z.strictObject({
  id: z.uuid(),
  region: RegionCodeSchema,
  metric: MetricNameSchema.nullable().meta({ description: "the detector's series; null for alerts and declarations" }),
  source: SurgeSourceSchema,
  status: z.enum(['active', 'cleared']),
  severity: SurgeSeveritySchema,
  reason: z.string().meta({ description: 'why it surged, as it started or was last updated; kept once it clears (why it ended is clearedReason)' }),
  startedAt: z.iso.datetime(),
  detectedAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  expectedEndAt: z.iso.datetime().nullable(),
  clearedAt: z.iso.datetime().nullable(),
  clearedReason: z.string().nullable().meta({ description: "why it ended (its surge.cleared event's reason); null while active" }),
  peakValue: z.number().nullable(),
  evidence: SurgeEvidenceSchema.nullable().meta({ description: "why the detector decided; null for alerts and declarations" }),
  signalLoss: SignalLossSchema.nullable().meta({ description: 'set on the surge of a lost signal (onSignalLoss: hold)' }),
  causeEventId: z
    .uuid()
    .nullable()
    .meta({
      description:
        "the id Holdfast gave the sample event that started a detector surge: its own UUIDv7 for samples sent over HTTP or polled from Prometheus, a UUIDv5 of an outside producer's CloudEvents source and id (or of a bare sample's topic, partition and offset), not the id it sent; null for alerts, declarations and lost signals",
    }),
}).meta({ id: 'Surge' });
const SURGE_VIEW = zodAnswerSchema(SurgeViewSchema);
const SURGE_PAGE = zodPageSchema(SurgeViewSchema);

/** A surge as the API shows it: the contract's fields plus its status and clearing. */
function viewOf(surge: SurgeEntity): z.output<typeof SurgeViewSchema> {
  return {
    id: surge.id,
    region: surge.region,
    metric: surge.metric,
    source: surge.source,
    status: surge.status,
    severity: surge.severity,
    reason: surge.reason,
    startedAt: surge.startedAt.toISOString(),
    detectedAt: surge.detectedAt.toISOString(),
    updatedAt: surge.updatedAt.toISOString(),
    expectedEndAt: surge.expectedEndAt?.toISOString() ?? null,
    clearedAt: surge.clearedAt?.toISOString() ?? null,
    clearedReason: surge.clearedReason,
    peakValue: surge.peakValue,
    evidence: surge.evidence,
    signalLoss: surge.signalLoss,
    causeEventId: surge.causeEventId,
  };
}

const MAX_PAGE = 500;

export const ListSurgesQuerySchema = z.strictObject({
  status: z.enum(['active', 'cleared']).optional(),
  // Trimmed, as a pasted code carries spaces; an empty one (`?region=$R`, R unset) is refused, as the planner's holds and windows
  // refuse it: read as none, it listed every region's surges, so a script counting them read another region's as R's.
  region: z.string().trim().min(1).optional(),
  source: SurgeSourceSchema.optional(),
  // Refused out of 1-500 (and empty), as every other list refuses it: read as the nearest bound, ?limit=1000 gave 500 rows, which a
  // script not following nextCursor took for all there were.
  limit: PageLimitSchema(MAX_PAGE, MAX_PAGE),
  cursor: CursorSchema,
});

// The reason is kept in the surge's clearedReason and its surge.cleared event, after who cleared it.
export const ClearSurgeSchema = z.strictObject({
  reason: StatedReasonSchema.meta({ description: "why it is cleared by hand (its alert's resolved was lost, its rule deleted while firing); 1-2,000 characters, not only white space" }),
});

@ApiTags('surges')
@Controller('v1/surges')
export class SurgesController {
  constructor(
    private readonly surges: SurgesService,
    private readonly catalog: RegionCatalog,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Surges (active and recent), newest first, with their evidence; follow nextCursor for the next page' })
  @ApiZodQuery(ListSurgesQuerySchema, {
    region: 'a region code (IR, eu-west; a country code in any case, read as the catalog spells it); one the catalog does not know is refused (422 unknown-region), an empty one with 400',
    limit: `surges a page, 1-${MAX_PAGE} (default ${MAX_PAGE})`,
    cursor: 'the nextCursor of the previous page',
  })
  @ApiOkResponse({ description: 'A page of surges; nextCursor is null on the last', schema: SURGE_PAGE })
  @ApiResponse({ status: 400, description: 'invalid-query (a status, source or limit not understood, a limit out of 1-500, an empty limit or region, an unknown parameter) or invalid-cursor' })
  @ApiResponse({ status: 422, description: 'unknown-region: region is not a code the catalog knows (GB, not UK; a custom region from HOLDFAST_CUSTOM_REGIONS)' })
  async list(@Query(new ZodQueryPipe(ListSurgesQuerySchema)) query: z.output<typeof ListSurgesQuerySchema>) {
    const { region } = query;
    // A code no region has would list no surge, which reads as "none here": refused as a body naming it is (planner's holds likewise).
    const code = region === undefined ? undefined : atField('region', () => this.catalog.get(region).code);
    const page = await this.surges.list({ ...query, region: code });
    return { items: page.items.map(viewOf), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One surge with its evidence' })
  @ApiOkResponse({ description: 'The surge', schema: SURGE_VIEW })
  @ApiResponse({ status: 404, description: 'surge-not-found' })
  async get(@Param('id', UuidParamPipe) id: string) {
    const surge = await this.surges.get(id);
    if (!surge) throw new DomainError('surge-not-found', 404, `No surge ${id}: GET /v1/surges lists them.`);
    return viewOf(surge);
  }

  @Post(':id/clear')
  @RequireScope('holds:declare')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Clear a surge by hand that nothing will clear (an alert whose resolved was lost, or whose rule was deleted while firing), with a reason: surge.cleared as the analyzer's own clears send it, so the planner releases its hold after the cool-down. An alert firing again later (a later startsAt) starts a new surge; its firing cleared here, sent again, starts none",
  })
  @ApiZodBody(ClearSurgeSchema)
  @ApiOkResponse({ description: 'The surge, cleared: clearedReason is "Cleared by hand by <team>/<key id>: <reason>"', schema: SURGE_VIEW })
  @ApiResponse({ status: 400, description: 'invalid-path (id is not a UUID) or invalid-body (reason missing, empty, only white space or longer than 2,000 characters; an unknown field)' })
  @ApiResponse({ status: 404, description: 'surge-not-found' })
  @ApiResponse({
    status: 409,
    description:
      "surge-cleared (it was cleared already, at clearedAt), surge-of-declaration (cancel its declaration instead: DELETE /v1/declarations/{declarationId}) or surge-of-lost-signal (a lost signal's hold, which clears when samples arrive again; retire the series, named in region and metric, if they will not)",
  })
  async clear(@Param('id', UuidParamPipe) id: string, @Body(new ZodBodyPipe(ClearSurgeSchema)) { reason }: z.output<typeof ClearSurgeSchema>, @CurrentPrincipal() principal: Principal) {
    return viewOf(await this.surges.clearByHand(id, reason, actorOf(principal)));
  }
}
