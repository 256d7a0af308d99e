import { InstantSchema } from '@holdfast/contracts';
import { ApiProblemResponse, ApiZodQuery, RETRY_AFTER_HEADER, ZodQueryPipe } from '@holdfast/service-kit';
import { Controller, Get, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { HeldProblemSchema } from './held-problem.schema';
import { GATE_LISTED_HOLDS, GateService, LET_THROUGH_HEADER, LET_THROUGH_HEADER_DOCUMENT, NOTICE_HEADER } from './gate.service';

const GateQuerySchema = z
  .strictObject({
    windowId: z.uuid({ error: 'must be a window id (UUID)' }).optional(),
    regions: z
      .string()
      .transform((text) => text.split(',').map((code) => code.trim()).filter(Boolean))
      // A query, like the list filters and the feeds: a country's code in any case, read through the region catalog (GateService).
      .pipe(z.array(z.string().max(32)).min(1, { error: 'must name at least one region' }))
      .optional(),
    at: InstantSchema.optional(),
  })
  .refine((query) => (query.windowId === undefined) !== (query.regions === undefined), { error: 'is required unless regions is given, and cannot go with regions: give one of them', path: ['windowId'] });

@ApiTags('gate')
@Controller('v1/gate')
export class GateController {
  constructor(private readonly gate: GateService) {}

  @Get()
  @ApiOperation({ summary: 'May I start now? 200 {allowed:true}, 423 with the holds and Retry-After, or 409 for a window cancelled or with no run left to start' })
  @ApiZodQuery(GateQuerySchema, {
    windowId: 'the window to ask about (or regions)',
    regions: "comma-separated region codes, e.g. IR,NP (a country's in any case: ir is IR; an unknown one is a 422)",
    at: "instant to ask about: left out (or now, or up to 60 s before it: taken as now and answered alike), now; ahead, a what-if, answered as the gate will answer then if nothing changes: a window's run in question then, held by the holds in force then and by those that reach it, also one that begins later within it, as its start is; more than 60 s before now is a 422 gate-at-in-the-past (released holds are not kept)",
  })
  @ApiOkResponse({
    description: `nothing holds it at that instant; a notify-only window a hold is in force on answers 200 with a Holdfast-Notice header naming the holds (their ids and regions); a window whose run in question an override lets through holds in force answers 200 with a Holdfast-Let-Through header naming the run and those holds (the first ${GATE_LISTED_HOLDS}, and how many more)`,
    headers: {
      [NOTICE_HEADER]: { description: 'for a notify-only window in a hold: it runs, and which holds are in force', schema: { type: 'string' } },
      [LET_THROUGH_HEADER]: LET_THROUGH_HEADER_DOCUMENT,
    },
    schema: { type: 'object', required: ['allowed'], properties: { allowed: { type: 'boolean', enum: [true] } }, additionalProperties: false },
  })
  @ApiProblemResponse({
    status: 423,
    problem: HeldProblemSchema,
    description:
      'held: problem document (application/problem+json) listing the holds (a cleared surge\'s hold with releaseDueAt: it holds until then, after its cool-down; a declaration\'s with until the end it holds to, its declared until and the cool-down after it, as the 409 window-in-hold names it); Retry-After header (seconds from now to the latest release due or end)',
    headers: RETRY_AFTER_HEADER,
  })
  @ApiResponse({
    status: 503,
    description:
      'surges-unheard: the broker has not answered the planner for longer than GATE_MAX_SURGE_SILENCE_SECONDS, or has answered again for less than that after such a silence, or the planner is catching up on region.surges.v1 after its start or a rebalance (messagesBehind: how many messages, once known), or its consumer group (another replica) has not applied what a partition carrying the regions asked about (every partition, for a global window) held GATE_SURGE_OFFSETS_INTERVAL_SECONDS before (messagesBehind, and partitions: which), so a surge made meanwhile may not be held yet; Retry-After: 5 (a hold it has is still a 423); or dependency-unavailable: PostgreSQL is away',
    headers: RETRY_AFTER_HEADER,
  })
  @ApiResponse({
    status: 409,
    description:
      'window-cancelled: the window was cancelled and will never run; problem document with cancelledAt, cancelledBy and cancelReason. no-run-left: it has no run left to start and none to come (a one-off window whose run completed, was missed or cancelled; a recurring one whose rule ended); problem document with lastRun ({number, status, endsAt}). Do not wait on either: plan a new window. run-awaits-new-slot: no run to start, but a run held past its time waits for a new slot; problem document with waitingRun ({number, status, startsAt, endsAt, proposedSlot}) and windowVersion. Do not wait on it: move the window (PATCH startsAt, endsAt, version), or start the run by its number to run it now anyway.',
  })
  @ApiResponse({ status: 404, description: 'window-not-found: there is no window windowId' })
  @ApiResponse({
    status: 422,
    description: "unknown-region: regions names a code the catalog does not know (GB, not UK; a custom region from HOLDFAST_CUSTOM_REGIONS); gate-at-in-the-past: at is more than 60 s before now",
  })
  async check(@Query(new ZodQueryPipe(GateQuerySchema, 'The gate query')) { windowId, regions, at }: z.output<typeof GateQuerySchema>, @Res({ passthrough: true }) response: Response) {
    const { answer, notice, letThrough } = await this.gate.check({ windowId, regions, at: at ? new Date(at) : undefined });
    if (notice) response.setHeader(NOTICE_HEADER, notice);
    if (letThrough) response.setHeader(LET_THROUGH_HEADER, letThrough);
    return answer;
  }
}
