import { Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { DeliveriesService } from './deliveries.service';

@ApiTags('subscriptions')
@Controller('v1/subscriptions')
export class SubscriptionTestController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly deliveries: DeliveriesService,
  ) {}

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a test message (type notifier.test) through the worker; follow it at /v1/deliveries/{id}' })
  async test(@Param('id', ParseUUIDPipe) id: string) {
    const delivery = await this.deliveries.recordTest(await this.subscriptions.get(id));
    return { deliveryId: delivery.id, eventId: delivery.eventId, status: delivery.status };
  }
}
