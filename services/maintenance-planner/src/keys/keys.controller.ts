import { ApiKeyScopeSchema, BidiSafeText, StatedReasonSchema, TeamSchema } from '@holdfast/contracts';
import {
  AnswerShownOnce,
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
  ZodBodyPipe,
  ZodQueryPipe,
} from '@holdfast/service-kit';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { API_KEY_ANSWER, API_KEY_PAGE, CREATED_API_KEY_ANSWER, type ApiKeyView, type CreatedApiKey } from './api-key-view.schema';
import { KeyIdParamPipe } from './key-id-param.pipe';
import { KeysService } from './keys.service';

const CreateKeySchema = z.strictObject({
  team: TeamSchema,
  scopes: z.array(ApiKeyScopeSchema).min(1),
  name: z.string().min(1).max(200).check(BidiSafeText),
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
  @UseInterceptors(EntityTagInterceptor)
  @AnswerShownOnce('find the key it made in GET /v1/keys (by team and name), revoke it if its secret was not stored, and create another with a new Idempotency-Key')
  @Created('/v1/keys/{keyId}', { description: 'The key made, with the key itself (in this answer only)', schema: CREATED_API_KEY_ANSWER, entityTag: true })
  @ApiOperation({ summary: 'Create an API key for a team; the key is in this answer only (only its hash is stored)' })
  @ApiZodBody(CreateKeySchema)
  async create(@Body(new ZodBodyPipe(CreateKeySchema)) body: z.infer<typeof CreateKeySchema>, @CurrentPrincipal() actor: Principal): Promise<CreatedApiKey> {
    const created = await this.keys.create(body, actor);
    return { ...created, notice: 'Store the key now: it is shown only once. Send it as "Authorization: Bearer <key>".' };
  }

  @Get()
  @ApiOperation({ summary: 'API keys (prefix, team, scopes, created, last used, revocation), newest first; never the key; follow nextCursor for the next page' })
  @ApiZodQuery(ListKeysQuerySchema)
  @ApiOkResponse({ description: 'A page of keys; nextCursor is null on the last', schema: API_KEY_PAGE })
  list(@Query(new ZodQueryPipe(ListKeysQuerySchema, 'The keys query')) query: z.output<typeof ListKeysQuerySchema>): Promise<{ items: ApiKeyView[]; nextCursor: string | null }> {
    return this.keys.list(query);
  }

  @Get(':keyId')
  @UseInterceptors(EntityTagInterceptor)
  @ApiOperation({ summary: 'One API key (prefix, team, scopes, created, last used, revocation); never the key; its ETag is its version ("1"), to send back in If-Match' })
  @ApiOkResponse({ description: 'The key', schema: API_KEY_ANSWER, headers: ENTITY_TAG_HEADER })
  get(@Param('keyId', KeyIdParamPipe) keyId: string): Promise<ApiKeyView> {
    return this.keys.get(keyId);
  }

  @Post(':keyId/revoke')
  @HttpCode(200)
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({ summary: 'Revoke a key everywhere (each service sees it within about a second); revoking twice changes nothing. A stale If-Match gets 412 with currentVersion' })
  @ApiZodBody(RevokeKeySchema)
  @ApiOkResponse({ description: 'The key, revoked; ETag: its version, "2"', schema: API_KEY_ANSWER, headers: ENTITY_TAG_HEADER })
  revoke(
    @Param('keyId', KeyIdParamPipe) keyId: string,
    @Body(new ZodBodyPipe(RevokeKeySchema)) body: z.infer<typeof RevokeKeySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() actor: Principal,
  ): Promise<ApiKeyView> {
    return this.keys.revoke(keyId, body.reason, actor, ifMatch);
  }
}
