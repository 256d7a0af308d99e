import { ApiZodBody, ApiZodQuery, CurrentPrincipal, CursorSchema, PageLimitSchema, RequireScope, UuidParamPipe, ZodBodyPipe, ZodQueryPipe, type Principal } from '@holdfast/service-kit';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ReplaySchema, type ReplayRequest } from '../subscriptions/dto/subscription.schemas';
import { DeliveriesService } from './deliveries.service';
import { DELIVERIES_REPLAYED_ANSWER, DELIVERY_ANSWER, DELIVERY_DETAIL_ANSWER, DELIVERY_PAGE, DeliveryStatusSchema } from './delivery-view.schema';

const ListQuerySchema = z.strictObject({
  status: DeliveryStatusSchema.optional(),
  subscriptionId: z.uuid().optional(),
  correlationId: z.string().min(1).optional(),
  eventId: z.uuid().optional(),
  limit: PageLimitSchema(1000, 100),
  cursor: CursorSchema,
});

@ApiTags('deliveries')
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries, newest first, each with every attempt (time, status code, error, duration); follow nextCursor for the next page' })
  @ApiZodQuery(ListQuerySchema, {
    subscriptionId: 'only the deliveries of this subscription',
    correlationId: 'only deliveries descended from this sample or alert',
    eventId: 'only the deliveries of this event',
    limit: 'deliveries a page, 1-1000 (default 100)',
    cursor: 'the nextCursor of the previous page',
  })
  @ApiOkResponse({ description: 'A page of deliveries; nextCursor is null on the last', schema: DELIVERY_PAGE })
  list(@Query(new ZodQueryPipe(ListQuerySchema)) query: z.output<typeof ListQuerySchema>, @CurrentPrincipal() principal: Principal) {
    return this.deliveries.list(query, principal);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One delivery with the event it carries and every attempt' })
  @ApiOkResponse({ description: 'The delivery, its event and its attempts', schema: DELIVERY_DETAIL_ANSWER })
  @ApiResponse({ status: 404, description: 'delivery-not-found' })
  get(@Param('id', UuidParamPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.deliveries.get(id, principal);
  }

  // A team whose receiver was down or answered 410 replays what it missed, as the notifier tells it to; only its own subscriptions' deliveries.
  @Post('replay')
  @RequireScope('subscriptions:write')
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Replay in bulk: every dead delivery of the given ids and/or subscription, or every delivered one of the subscription named, of subscriptions turned on; a team key replays only its own team's. A delivered hold.placed or window.held its hold's release overtook is left as it is (webhook, Slack), and so is a window.released whose window.held was never sent, unless the same replay sends that window.held",
  })
  @ApiZodBody(ReplaySchema)
  @ApiAcceptedResponse({ description: 'How many deliveries are queued to be sent again', schema: DELIVERIES_REPLAYED_ANSWER })
  @ApiResponse({
    status: 403,
    description:
      "other-team: subscriptionId is another team's subscription (ownerTeam), or ids name deliveries of another team (deliveryIds, ownerTeams); nothing is replayed",
  })
  @ApiResponse({ status: 404, description: 'subscription-not-found: subscriptionId names no subscription, or one deleted (as GET /v1/subscriptions/{id} answers); nothing is replayed. Ids naming no delivery are skipped, uncounted' })
  replayMany(@Body(new ZodBodyPipe(ReplaySchema)) body: ReplayRequest, @CurrentPrincipal() principal: Principal) {
    return this.deliveries.replayMany(body, principal);
  }

  @Post(':id/replay')
  @RequireScope('subscriptions:write')
  @HttpCode(202)
  @ApiOperation({ summary: "Send a dead (or delivered) delivery again, with a fresh attempt budget and the same webhook-id; a team key, only its own team's" })
  @ApiAcceptedResponse({ description: 'queued: the delivery, pending again', schema: DELIVERY_ANSWER })
  @ApiResponse({ status: 403, description: "other-team: the delivery is another team's" })
  @ApiResponse({ status: 404, description: 'delivery-not-found' })
  @ApiResponse({
    status: 409,
    description:
      'delivery-not-replayable (neither dead nor delivered), or delivery-subscription-deleted (its subscription was deleted, so it is never sent again), or delivery-subscription-disabled (its subscription is turned off: PATCH it enabled first), or delivery-superseded (a delivered hold.placed or window.held whose hold was released since: sent again to a webhook or Slack receiver it would say the hold is in force; replay its release, named in releaseDeliveryId), or delivery-release-of-unsent-placement (a window.released whose window.held was never sent to that webhook or Slack subscription: it would end a hold the receiver never heard of; placementDeliveryId names that window.held, to replay first when it is dead)',
  })
  replay(@Param('id', UuidParamPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return this.deliveries.replay(id, principal);
  }
}
