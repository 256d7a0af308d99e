import { Controller, Get, ParseBoolPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { HoldsService } from './holds.service';

@ApiTags('holds')
@Controller('v1/holds')
export class HoldsController {
  constructor(private readonly holds: HoldsService) {}

  @Get()
  @ApiOperation({ summary: 'Holds, newest first (at most 500)' })
  @ApiQuery({ name: 'active', required: false, type: Boolean, description: 'only holds not yet released' })
  async list(@Query('active', new ParseBoolPipe({ optional: true })) active?: boolean) {
    return { items: await this.holds.list(active) };
  }
}
