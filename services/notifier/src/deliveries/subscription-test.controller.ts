import { assertActsFor, CurrentPrincipal, type Principal, RequireScope, UuidParamPipe, zodAnswerSchema } from '@holdfast/service-kit';
import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { DeliveriesService } from './deliveries.service';
import { TestOfDisabledSubscription } from './delivery.exception';
import { DeliveryStatusSchema } from './delivery-view.schema';

const TestDeliverySchema = z.strictObject({
  deliveryId: z.uuid().meta({ description: 'follow it at GET /v1/deliveries/{deliveryId}' }),
  eventId: z.uuid(),
  status: DeliveryStatusSchema.meta({ description: 'pending as a rule; the worker may have taken it on already' }),
});

@ApiTags('subscriptions')
@Controller('v1/subscriptions')
export class SubscriptionTestController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Post(':id/test')
  @RequireScope('subscriptions:write')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a test message (type notifier.test) through the worker; follow it at /v1/deliveries/{id}' })
  @ApiAcceptedResponse({ description: 'The test message is recorded and the worker sends it', schema: zodAnswerSchema(TestDeliverySchema) })
  @ApiResponse({ status: 409, description: 'subscription-disabled: the subscription is turned off (PATCH it enabled first)' })
  async test(@Param('id', UuidParamPipe) id: string, @CurrentPrincipal() principal: Principal) {
    const subscription = await this.subscriptions.get(id);
    assertActsFor(principal, subscription.ownerTeam, `Subscription ${id}`);
    if (!subscription.enabled) throw new TestOfDisabledSubscription(id, subscription.disabledReason);
    const delivery = await this.deliveries.recordTest(subscription);
    return { deliveryId: delivery.id, eventId: delivery.eventId, status: delivery.status };
  }
}
