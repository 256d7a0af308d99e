import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeliveriesService } from './deliveries.service';

@ApiTags('deliveries')
@Controller('v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @ApiOperation({ summary: 'Deliveries, newest first (at most 500)' })
  @ApiQuery({ name: 'correlationId', required: false, description: 'only deliveries descended from this sample or alert' })
  async list(@Query('correlationId') correlationId?: string) {
    return { items: await this.deliveries.list(correlationId) };
  }
}
