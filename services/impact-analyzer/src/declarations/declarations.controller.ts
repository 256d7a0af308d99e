import {
  actorOf,
  ApiZodBody,
  ApiZodQuery,
  Created,
  CurrentPrincipal,
  CursorSchema,
  ENTITY_TAG_HEADER,
  EntityTagInterceptor,
  IF_MATCH_HEADER,
  PageLimitSchema,
  type Principal,
  RequireScope,
  UuidParamPipe,
  zodAnswerSchema,
  ZodBodyPipe,
  zodPageSchema,
  ZodQueryPipe,
} from '@holdfast/service-kit';
import { Body, Controller, Delete, Get, Headers, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { RegionCodeSchema, SurgeSeveritySchema } from '@holdfast/contracts';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
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

const DeclarationViewSchema = z.strictObject({
  id: z.uuid(),
  regions: z.array(RegionCodeSchema),
  from: z.iso.datetime(),
  until: z.iso.datetime(),
  reason: z.string(),
  severity: SurgeSeveritySchema,
  status: z.enum(STATUSES).meta({ description: 'scheduled until from, active until until (ended then), or cancelled' }),
  declaredBy: z.string(),
  declaredAt: z.iso.datetime(),
  cancelledBy: z.string().nullable(),
  cancelledAt: z.iso.datetime().nullable(),
  version: z.int().min(1).meta({ description: 'bumped by every change (in force, ended, cancelled); its ETag ("2"), which a cancellation takes in If-Match' }),
}).meta({ id: 'Declaration' });
const DECLARATION_VIEW = zodAnswerSchema(DeclarationViewSchema);
const DECLARATION_PAGE = zodPageSchema(DeclarationViewSchema);

function viewOf(declaration: DeclarationEntity): z.output<typeof DeclarationViewSchema> {
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
    version: declaration.version,
  };
}

const NOT_FOUND = { status: 404, description: 'declaration-not-found' };

@ApiTags('declarations')
@Controller('v1/declarations')
export class DeclarationsController {
  constructor(private readonly declarations: DeclarationsService) {}

  @Post()
  @RequireScope('holds:declare')
  @UseInterceptors(EntityTagInterceptor)
  @ApiOperation({ summary: 'Declare a critical period for regions ("election in IR"): a surge per region from `from` until `until`' })
  @ApiZodBody(DeclareSchema)
  @Created('/v1/declarations/{id}', { description: 'The declaration; status is active when `from` has already come', schema: DECLARATION_VIEW, entityTag: true })
  @ApiResponse({ status: 400, description: 'invalid-body: a field missing or malformed (a region code in lower case, a time not in UTC, until not after from), each named in errors' })
  @ApiResponse({
    status: 422,
    description:
      'unknown-region (a region the catalog does not know, named in errors), declaration-in-the-past (until is not after now), declaration-too-far-ahead (from further ahead than DECLARATION_MAX_AHEAD_DAYS) or declaration-too-long (longer than DECLARATION_MAX_DAYS)',
  })
  async declare(@Body(new ZodBodyPipe(DeclareSchema)) body: Declare, @CurrentPrincipal() principal: Principal) {
    return viewOf(await this.declarations.declare(body, actorOf(principal)));
  }

  @Get()
  @ApiOperation({ summary: 'Declarations, latest period first; follow nextCursor for the next page' })
  @ApiZodQuery(ListDeclarationsQuerySchema, { limit: `declarations a page, 1-${MAX_PAGE} (default ${MAX_PAGE})`, cursor: 'the nextCursor of the previous page' })
  @ApiOkResponse({ description: 'A page of declarations; nextCursor is null on the last', schema: DECLARATION_PAGE })
  @ApiResponse({ status: 400, description: 'invalid-query (a status or limit out of range, an unknown parameter) or invalid-cursor' })
  async list(@Query(new ZodQueryPipe(ListDeclarationsQuerySchema)) query: z.output<typeof ListDeclarationsQuerySchema>) {
    const page = await this.declarations.list(query);
    return { items: page.items.map(viewOf), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @UseInterceptors(EntityTagInterceptor)
  @ApiOperation({ summary: 'One declaration; its ETag is its version ("2"), to send back in If-Match' })
  @ApiOkResponse({ description: 'The declaration', schema: DECLARATION_VIEW, headers: ENTITY_TAG_HEADER })
  @ApiResponse(NOT_FOUND)
  async get(@Param('id', UuidParamPipe) id: string) {
    return viewOf(await this.declarations.get(id));
  }

  @Delete(':id')
  @RequireScope('holds:declare')
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({ summary: 'Cancel a declaration; one in force clears its surges now. A stale If-Match gets 412 with currentVersion' })
  @ApiOkResponse({ description: 'The declaration, cancelled; ETag: its new version', schema: DECLARATION_VIEW, headers: ENTITY_TAG_HEADER })
  @ApiResponse(NOT_FOUND)
  @ApiResponse({ status: 409, description: 'declaration-closed: already ended or cancelled (a period over is ended at its until, not cancelled)' })
  async cancel(@Param('id', UuidParamPipe) id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentPrincipal() principal: Principal) {
    return viewOf(await this.declarations.cancel(id, actorOf(principal), ifMatch));
  }
}
