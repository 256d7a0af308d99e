import { SurgeSourceSchema, type SurgeSource } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { DomainError, UuidParamPipe, ZodValuePipe } from '@holdfast/service-kit';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { z } from 'zod';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { SurgeEntity, SurgeStatus } from './surge.entity';
import { SurgesService } from './surges.service';

/** A surge as the API shows it: the contract's fields plus its status and clearing. */
function viewOf(surge: SurgeEntity) {
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
    peakValue: surge.peakValue,
    evidence: surge.evidence,
    signalLoss: surge.signalLoss,
    causeEventId: surge.causeEventId,
  };
}

@ApiTags('surges')
@Controller('v1/surges')
export class SurgesController {
  constructor(
    private readonly surges: SurgesService,
    private readonly catalog: RegionCatalog,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Surges (active and recent), newest first, with their evidence' })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'cleared'] })
  @ApiQuery({ name: 'region', required: false })
  @ApiQuery({ name: 'source', required: false, enum: SurgeSourceSchema.options })
  @ApiQuery({ name: 'limit', required: false, description: 'At most 500 (the default)' })
  async list(
    @Query('status', new ZodValuePipe(z.enum(['active', 'cleared']).optional())) status?: SurgeStatus,
    @Query('region') region?: string,
    @Query('source', new ZodValuePipe(SurgeSourceSchema.optional())) source?: SurgeSource,
    @Query('limit', new ZodValuePipe(z.coerce.number().int().optional())) limit?: number,
  ) {
    const surges = await this.surges.list({ status, region: region?.trim() ? (this.catalog.find(region.trim())?.code ?? region.trim()) : undefined, source, limit: Math.min(Math.max(limit ?? 500, 1), 500) });
    return { items: surges.map(viewOf) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One surge with its evidence' })
  async get(@Param('id', UuidParamPipe) id: string) {
    const surge = await this.surges.get(id);
    if (!surge) throw new DomainError('surge-not-found', 404, `No surge ${id}: GET /v1/surges lists them.`);
    return viewOf(surge);
  }
}
