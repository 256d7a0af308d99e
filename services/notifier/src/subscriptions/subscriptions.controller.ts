import { ActorSchema } from '@holdfast/contracts';
import { actorOf, AnswerShownOnce, ApiZodBody, ApiZodQuery, assertActsFor, assertMayAssignTo, Created, CurrentPrincipal, CursorSchema, EntityTagInterceptor, IF_MATCH_HEADER, PageLimitSchema, type Principal, RequireScope, UuidParamPipe, ZodBodyPipe, ZodQueryPipe } from '@holdfast/service-kit';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { CreateSubscriptionSchema, RotateSecretSchema, UpdateSubscriptionSchema, type CreateSubscription, type UpdateSubscription } from './dto/subscription.schemas';
import { CREATED_SUBSCRIPTION_ANSWER, ROTATED_SUBSCRIPTION_ANSWER, SUBSCRIPTION_ANSWER, SUBSCRIPTION_PAGE } from './dto/subscription-view.schema';
import { SubscriptionsService } from './subscriptions.service';

const INVALID_SUBSCRIPTION =
  'invalid-subscription: it cannot work as given, each problem named in errors (a target whose address is refused or that holds credentials, a secret of the wrong form for the channel, a region filter the catalog does not know)';

// A mistyped filter (owner=) would otherwise list every team's subscriptions as if they were the one asked for.
const ListSubscriptionsQuerySchema = z.strictObject({
  ownerTeam: ActorSchema.optional(),
  limit: PageLimitSchema(1000, 100),
  cursor: CursorSchema,
});

@ApiTags('subscriptions')
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(private readonly subscriptions: SubscriptionsService) {}

  @Post()
  @RequireScope('subscriptions:write')
  @UseInterceptors(EntityTagInterceptor)
  @Created('/v1/subscriptions/{id}', { description: 'The subscription, with its secret (in this answer only)', schema: CREATED_SUBSCRIPTION_ANSWER, entityTag: true })
  @AnswerShownOnce('find the subscription it made in GET /v1/subscriptions, and rotate its secret (POST /v1/subscriptions/{id}/secret/rotate) if the one shown was not stored')
  @ApiOperation({ summary: 'Subscribe a webhook, Slack, Grafana or Alertmanager target; the secret is in this response only' })
  @ApiResponse({ status: 422, description: INVALID_SUBSCRIPTION })
  @ApiResponse({ status: 409, description: 'subscription-exists: one of the team, on, already sends the same events (channel, receiver, filters) to this receiver; subscriptionId names it' })
  @ApiZodBody(CreateSubscriptionSchema)
  create(@Body(new ZodBodyPipe(CreateSubscriptionSchema)) body: CreateSubscription, @CurrentPrincipal() principal: Principal) {
    assertMayAssignTo(principal, body.ownerTeam, 'subscribe for');
    return this.subscriptions.create(body, actorOf(principal));
  }

  @Get()
  @ApiOperation({ summary: 'Subscriptions, oldest first; follow nextCursor for the next page' })
  @ApiZodQuery(ListSubscriptionsQuerySchema, {
    ownerTeam: 'only the subscriptions of this team',
    limit: 'subscriptions a page, 1-1000 (default 100)',
    cursor: 'the nextCursor of the previous page',
  })
  @ApiOkResponse({ description: 'A page of subscriptions, oldest first', schema: SUBSCRIPTION_PAGE })
  list(@Query(new ZodQueryPipe(ListSubscriptionsQuerySchema, 'The subscriptions query')) query: z.output<typeof ListSubscriptionsQuerySchema>) {
    return this.subscriptions.list(query);
  }

  @Get(':id')
  @UseInterceptors(EntityTagInterceptor)
  @ApiOperation({ summary: 'A subscription; its ETag is its version ("3"), to send back in If-Match' })
  @ApiOkResponse({ description: 'The subscription', schema: SUBSCRIPTION_ANSWER })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.subscriptions.show(id);
  }

  @Patch(':id')
  @RequireScope('subscriptions:write')
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({ summary: 'Change target, secret, owner team, filters, description or enabled; the channel stays. A stale If-Match gets 412 with currentVersion' })
  @ApiZodBody(UpdateSubscriptionSchema)
  @ApiOkResponse({ description: 'The subscription as changed', schema: SUBSCRIPTION_ANSWER })
  @ApiResponse({ status: 422, description: INVALID_SUBSCRIPTION })
  @ApiResponse({ status: 409, description: 'subscription-exists: turned on or changed so, it would send what another of the team, on, sends to the same receiver; subscriptionId names it' })
  async update(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodBodyPipe(UpdateSubscriptionSchema)) body: UpdateSubscription,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    assertActsFor(principal, (await this.subscriptions.get(id)).ownerTeam, `Subscription ${id}`);
    if (body.ownerTeam !== undefined) assertMayAssignTo(principal, body.ownerTeam, 'hand a subscription to');
    return this.subscriptions.update(id, body, ifMatch);
  }

  @Post(':id/secret/rotate')
  @AnswerShownOnce('the secret it made signs from now on; rotate again with a new Idempotency-Key if it was not stored')
  @RequireScope('subscriptions:write')
  @HttpCode(200)
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({
    summary:
      "Give a webhook subscription a new signing secret (in this response only); deliveries carry the old secret's signature beside the new one's until previousSecretUntil. Answers once no delivery that read the old secret is still being sent",
  })
  @ApiOkResponse({ description: 'The subscription with its new secret (in this answer only) and previousSecretUntil', schema: ROTATED_SUBSCRIPTION_ANSWER })
  @ApiResponse({ status: 409, description: 'too-many-signing-secrets: three secrets earlier rotations replaced still sign; rotate after firstOverlapEndsAt, or with overlapHours 0' })
  @ApiResponse({ status: 422, description: 'secret-not-rotatable: not a webhook subscription (PATCH its secret or target instead); invalid-subscription: a malformed secret' })
  @ApiBody({ required: false, schema: z.toJSONSchema(RotateSecretSchema, { io: 'input' }) as object })
  async rotateSecret(@Param('id', UuidParamPipe) id: string, @Body() body: unknown, @Headers('if-match') ifMatch: string | undefined, @CurrentPrincipal() principal: Principal) {
    // The body is optional: none rotates to a generated secret with the default overlap.
    const request = new ZodBodyPipe(RotateSecretSchema).transform(body ?? {});
    assertActsFor(principal, (await this.subscriptions.get(id)).ownerTeam, `Subscription ${id}`);
    return this.subscriptions.rotateSecret(id, request, actorOf(principal), ifMatch);
  }

  @Delete(':id')
  @RequireScope('subscriptions:write')
  @HttpCode(204)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({ summary: 'Delete; its delivery history stays, deliveries not yet sent are cancelled' })
  async remove(@Param('id', UuidParamPipe) id: string, @Headers('if-match') ifMatch: string | undefined, @CurrentPrincipal() principal: Principal): Promise<void> {
    assertActsFor(principal, (await this.subscriptions.get(id)).ownerTeam, `Subscription ${id}`);
    await this.subscriptions.remove(id, ifMatch);
  }
}
