import { InstantSchema, Topics, type TopicName } from '@holdfast/contracts';
import { SHOWN_BODY_BYTES } from '@holdfast/messaging';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { actorOf, CurrentPrincipal, type Principal } from '../auth/principal';
import { ZodBodyPipe } from '../http/zod-body.pipe';
import { ApiZodBody, ApiZodQuery, zodAnswerSchema, zodPageSchema } from '../http/zod-openapi';
import { CursorSchema } from '../http/list-page';
import { ZodQueryPipe } from '../http/zod-value.pipe';
import { DeadLetterReplayOutcomeSchema, DeadLettersService, DeadLetterViewSchema, DEFAULT_DEAD_LETTER_LIMIT, type DeadLetterQuery } from './dead-letters.service';

const TopicSchema = z.enum(Object.values(Topics) as [TopicName, ...TopicName[]]);

const DeadLetterQuerySchema = z.strictObject({
  topic: TopicSchema.optional(),
  since: InstantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: CursorSchema,
});

const DeadLetterReplayRequestSchema = z.strictObject({
  topic: TopicSchema.optional().meta({ description: 'only those from this topic' }),
  since: InstantSchema.optional().meta({ description: 'only those dead-lettered at or after this instant' }),
  until: InstantSchema.optional().meta({ description: 'only those dead-lettered before this instant' }),
  reasonContains: z.string().min(1).max(200).optional().meta({ description: 'only those whose reason contains this text, ignoring case, e.g. "unknown region"' }),
  limit: z.number().int().min(1).max(1000).default(DEFAULT_DEAD_LETTER_LIMIT).meta({ description: `at most this many a call, 1-1000 (default ${DEFAULT_DEAD_LETTER_LIMIT}); \`remaining\` says how many more match` }),
  everything: z.literal(true).optional().meta({ description: 'every dead letter not replayed yet, when no filter is given: an empty body replays nothing' }),
}).refine(({ topic, since, until, reasonContains, everything }) => everything || [topic, since, until, reasonContains].some((filter) => filter !== undefined), {
  // An empty body sending every dead letter back to its topic is a mistake more often than a wish: asked for by name, as the CLI's --everything is.
  path: ['everything'],
  message: 'is required without topic, since, until or reasonContains: name what to replay, or send "everything": true to replay every dead letter not replayed yet',
});
type DeadLetterReplayRequest = z.infer<typeof DeadLetterReplayRequestSchema>;

@ApiTags('dead-letters')
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @ApiOperation({
    summary: `Messages this service's consumers sent to <topic>.dlq, newest first: group, topic, partition, offset, event id, the message's key, source (its producer) and body (its first ${SHOWN_BODY_BYTES} bytes), the reason, and whether it was replayed; follow nextCursor for the next page`,
  })
  @ApiZodQuery(DeadLetterQuerySchema, {
    topic: 'the topic they came from',
    since: 'ISO-8601 UTC instant: only those dead-lettered from then on',
    limit: `1-1000 a page, default ${DEFAULT_DEAD_LETTER_LIMIT}`,
    cursor: 'the nextCursor of the previous page',
  })
  @ApiOkResponse({
    description: 'The dead letters, newest first, a page at a time',
    schema: zodPageSchema(DeadLetterViewSchema),
  })
  list(@Query(new ZodQueryPipe(DeadLetterQuerySchema)) query: DeadLetterQuery) {
    return this.deadLetters.list(query);
  }

  @Post('replay')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Sends the matching dead letters not replayed yet to the topic they came from, as they were, in log order, once their cause is fixed (a region added, a producer corrected). Every consumer group of the topic gets them; one that had applied an event drops it by its id, and one that refuses it again dead-letters it anew. Needs the admin scope.',
  })
  @ApiZodBody(DeadLetterReplayRequestSchema)
  @ApiOkResponse({ description: 'What was sent, and what matches but was left', schema: zodAnswerSchema(DeadLetterReplayOutcomeSchema) })
  replay(@Body(new ZodBodyPipe(DeadLetterReplayRequestSchema)) request: DeadLetterReplayRequest, @CurrentPrincipal() principal: Principal) {
    return this.deadLetters.replay(request, actorOf(principal));
  }
}
