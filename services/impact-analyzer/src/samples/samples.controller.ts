import { createEvent, TrafficSampleSchema } from '@holdfast/contracts';
import { MessagingRuntime } from '@holdfast/messaging';
import { RequireScope, ZodBodyPipe } from '@holdfast/service-kit';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { SERVICE_NAME } from '../service-name';

const SampleBatchSchema = z.strictObject({ samples: z.array(TrafficSampleSchema).min(1).max(10_000) });
type SampleBatch = z.infer<typeof SampleBatchSchema>;

@ApiTags('samples')
@Controller('v1/samples')
export class SamplesController {
  constructor(private readonly messaging: MessagingRuntime) {}

  @Post()
  @RequireScope('samples:write')
  @HttpCode(202)
  @ApiOperation({ summary: 'Batch intake of traffic samples; each is published to traffic.samples.v1 and assessed from there' })
  @ApiBody({ schema: z.toJSONSchema(SampleBatchSchema, { io: 'input' }) as object })
  @ApiAcceptedResponse({ description: 'Published to Kafka; the event ids are returned in the same order' })
  async intake(@Body(new ZodBodyPipe(SampleBatchSchema)) batch: SampleBatch) {
    const events = batch.samples.map((sample) => createEvent('traffic.sample', sample, { source: SERVICE_NAME, subject: sample.region }));
    await this.messaging.publisher.publish(...events);
    return { accepted: events.length, eventIds: events.map((event) => event.id) };
  }
}
