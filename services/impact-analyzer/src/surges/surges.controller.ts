import { Controller, Get, ParseEnumPipe, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SurgesService } from './surges.service';

@ApiTags('surges')
@Controller('v1/surges')
export class SurgesController {
  constructor(private readonly surges: SurgesService) {}

  @Get()
  @ApiOperation({ summary: 'Surges, newest first (at most 500)' })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'cleared'] })
  async list(@Query('status', new ParseEnumPipe(['active', 'cleared'], { optional: true })) status?: 'active' | 'cleared') {
    const surges = await this.surges.list(status);
    return { items: surges };
  }
}
