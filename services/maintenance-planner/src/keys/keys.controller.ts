import { ApiKeyScopeSchema, StatedReasonSchema, TeamSchema } from '@holdfast/contracts';
import { AnswerShownOnce, ApiZodBody, ApiZodQuery, Created, CurrentPrincipal, CursorSchema, PageLimitSchema, type Principal, RequireScope, ZodBodyPipe, ZodQueryPipe } from '@holdfast/service-kit';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { KeysService } from './keys.service';

const CreateKeySchema = z.strictObject({
  team: TeamSchema,
  scopes: z.array(ApiKeyScopeSchema).min(1),
  name: z.string().min(1).max(200),
});
const RevokeKeySchema = z.strictObject({ reason: StatedReasonSchema.max(1_000) });
// A mistyped filter would otherwise list every team's keys as if they were the one asked for.
const ListKeysQuerySchema = z.strictObject({
  team: TeamSchema.optional().meta({ description: 'only the keys of this team' }),
  limit: PageLimitSchema(1000, 100),
  cursor: CursorSchema,
});

@ApiTags('keys')
@RequireScope('admin')
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post()
  @AnswerShownOnce('find the key it made in GET /v1/keys (by team and name), revoke it if its secret was not stored, and create another with a new Idempotency-Key')
  @Created('/v1/keys/{keyId}', { description: 'The key made, with the key itself (in this answer only)' })
  @ApiOperation({ summary: 'Create an API key for a team; the key is in this answer only (only its hash is stored)' })
  @ApiZodBody(CreateKeySchema)
  async create(@Body(new ZodBodyPipe(CreateKeySchema)) body: z.infer<typeof CreateKeySchema>, @CurrentPrincipal() actor: Principal) {
    const created = await this.keys.create(body, actor);
    return { ...created, notice: 'Store the key now: it is shown only once. Send it as "Authorization: Bearer <key>".' };
  }

  @Get()
  @ApiOperation({ summary: 'API keys (prefix, team, scopes, created, last used, revocation), newest first; never the key; follow nextCursor for the next page' })
  @ApiZodQuery(ListKeysQuerySchema)
  list(@Query(new ZodQueryPipe(ListKeysQuerySchema, 'The keys query')) query: z.output<typeof ListKeysQuerySchema>) {
    return this.keys.list(query);
  }

  @Get(':keyId')
  @ApiOperation({ summary: 'One API key (prefix, team, scopes, created, last used, revocation); never the key' })
  get(@Param('keyId') keyId: string) {
    return this.keys.get(keyId);
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key everywhere (each service sees it within about a second); revoking twice changes nothing' })
  @ApiZodBody(RevokeKeySchema)
  revoke(@Param('keyId') keyId: string, @Body(new ZodBodyPipe(RevokeKeySchema)) body: z.infer<typeof RevokeKeySchema>, @CurrentPrincipal() actor: Principal) {
    return this.keys.revoke(keyId, body.reason, actor);
  }
}
