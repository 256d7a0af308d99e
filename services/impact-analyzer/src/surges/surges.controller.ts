import { MetricNameSchema, RegionCodeSchema, SignalLossSchema, SurgeEvidenceSchema, SurgeSeveritySchema, SurgeSourceSchema } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { ApiZodQuery, atField, CursorSchema, DomainError, PageLimitSchema, UuidParamPipe, ZodQueryPipe, zodAnswerSchema, zodPageSchema } from '@holdfast/service-kit';
import { Controller, Get, Param, Query } from '@nestjs/common';
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
}
