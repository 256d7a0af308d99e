import { InstantSchema, Topics, type TopicName } from '@holdfast/contracts';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ZodQueryPipe } from '../http/zod-value.pipe';
import { DeadLettersService, DeadLetterViewSchema, type DeadLetterQuery } from './dead-letters.service';

const DeadLetterQuerySchema = z.strictObject({
  topic: z.enum(Object.values(Topics) as [TopicName, ...TopicName[]]).optional(),
  since: InstantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

@ApiTags('dead-letters')
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({ summary: "Messages this service's consumers sent to <topic>.dlq, newest first: group, topic, partition, offset, event id and the reason" })
  @ApiQuery({ name: 'topic', required: false, enum: Object.values(Topics), description: 'the topic they came from' })
  @ApiQuery({ name: 'since', required: false, description: 'ISO-8601 UTC instant: only those dead-lettered from then on' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 100' })
  @ApiOkResponse({ description: 'The dead letters, newest first', schema: z.toJSONSchema(z.strictObject({ items: z.array(DeadLetterViewSchema) }), { io: 'output' }) as object })
  async list(@Query(new ZodQueryPipe(DeadLetterQuerySchema)) query: DeadLetterQuery) {
    return { items: await this.deadLetters.list(query) };
  }
}
