import { actorOf, ApiZodBody, CurrentPrincipal, CursorSchema, PageLimitSchema, type Principal, RequireScope, UuidParamPipe, ZodBodyPipe, ZodQueryPipe } from '@holdfast/service-kit';
import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import type { DeclarationEntity, DeclarationStatus } from './declaration.entity';
import { DeclarationsService, DeclareSchema, type Declare } from './declarations.service';

const STATUSES: DeclarationStatus[] = ['scheduled', 'active', 'ended', 'cancelled'];
const MAX_PAGE = 500;

const ListDeclarationsQuerySchema = z.strictObject({
  status: z.enum(STATUSES).optional(),
  limit: PageLimitSchema(MAX_PAGE, MAX_PAGE),
  cursor: CursorSchema,
});

function viewOf(declaration: DeclarationEntity) {
  return {
    id: declaration.id,
    regions: declaration.regions,
    from: declaration.startsAt.toISOString(),
    until: declaration.endsAt.toISOString(),
    reason: declaration.reason,
    severity: declaration.severity,
    status: declaration.status,
    declaredBy: declaration.declaredBy,
    declaredAt: declaration.declaredAt.toISOString(),
    cancelledBy: declaration.cancelledBy,
    cancelledAt: declaration.cancelledAt?.toISOString() ?? null,
  };
}

@ApiTags('declarations')
@Controller('v1/declarations')
export class DeclarationsController {
  constructor(private readonly declarations: DeclarationsService) {}

  @Post()
  @RequireScope('holds:declare')
  @ApiOperation({ summary: 'Declare a critical period for regions ("election in IR"): a surge per region from `from` until `until`' })
  @ApiZodBody(DeclareSchema)
  @ApiCreatedResponse({ description: 'The declaration; status is active when `from` has already come' })
  async declare(@Body(new ZodBodyPipe(DeclareSchema)) body: Declare, @CurrentPrincipal() principal: Principal) {
    return viewOf(await this.declarations.declare(body, actorOf(principal)));
  }

  @Get()
  @ApiOperation({ summary: 'Declarations, latest period first; follow nextCursor for the next page' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'limit', required: false, description: `declarations a page, 1-${MAX_PAGE} (default ${MAX_PAGE})` })
  @ApiQuery({ name: 'cursor', required: false, description: 'the nextCursor of the previous page' })
  async list(@Query(new ZodQueryPipe(ListDeclarationsQuerySchema)) query: z.output<typeof ListDeclarationsQuerySchema>) {
    const page = await this.declarations.list(query);
    return { items: page.items.map(viewOf), nextCursor: page.nextCursor };
  }

  @Get(':id')
  async get(@Param('id', UuidParamPipe) id: string) {
    return viewOf(await this.declarations.get(id));
  }

  @Delete(':id')
  @RequireScope('holds:declare')
  @ApiOperation({ summary: 'Cancel a declaration; one in force clears its surges now' })
  async cancel(@Param('id', UuidParamPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return viewOf(await this.declarations.cancel(id, actorOf(principal)));
  }
}
