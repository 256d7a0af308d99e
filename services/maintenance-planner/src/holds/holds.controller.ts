import { InstantSchema, StatedReasonSchema, RequestRegionListSchema } from '@holdfast/contracts';
import {
  actorOf,
  ApiZodBody,
  ApiZodQuery,
  Clock,
  Created,
  CurrentPrincipal,
  CursorSchema,
  daysInWords,
  decodeCursor,
  DomainError,
  ENTITY_TAG_HEADER,
  EntityTagInterceptor,
  IF_MATCH_HEADER,
  InjectServiceConfig,
  PageLimitSchema,
  pageOf,
  type Principal,
  RequireScope,
  type ServiceConfig,
  UuidParamPipe,
  VersionedResource,
  ZodBodyPipe,
  ZodQueryPipe,
} from '@holdfast/service-kit';
import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { PlannerSettings } from '../config/planner-settings';
import { countedHoldView, holdView, LOCK_HOLD_SET_TO_RELEASE } from './hold-record';
import { COUNTED_HOLD_ANSWER, HOLD_DETAIL_ANSWER, HOLD_PAGE, type CountedHoldView, type HoldDetailView } from './hold-view.schema';
import { HoldsService } from './holds.service';

const ManualHoldSchema = z
  .strictObject({ regions: RequestRegionListSchema, from: InstantSchema, until: InstantSchema.optional(), reason: StatedReasonSchema })
  .refine((hold) => !hold.until || Date.parse(hold.until) > Date.parse(hold.from), { error: 'must be after from', path: ['until'] });
const ReleaseSchema = z.strictObject({ reason: StatedReasonSchema });
const ListHoldsQuerySchema = z.strictObject({
  active: z
    .enum(['true', 'false'])
    .transform((flag) => flag === 'true')
    .optional()
    .meta({ description: 'true: only holds not yet released; false: only released ones; left out: all' }),
  region: z.string().trim().min(1).max(32).optional().meta({ description: "only holds on this region (a country's code in any case; spaces around it are dropped)" }),
  limit: PageLimitSchema(500, 500),
  cursor: CursorSchema,
});

// A release names the version it was made against in If-Match only; without it, it releases whatever the version.
const HOLDS = new VersionedResource('Hold', '/v1/holds', false);
const RELEASE_AGAIN = 'release it if it should still be';

@ApiTags('holds')
@Controller('v1/holds')
export class HoldsController {
  constructor(
    private readonly holds: HoldsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Holds, newest first, a page at a time (500 by default); follow nextCursor for the next page' })
  @ApiZodQuery(ListHoldsQuerySchema)
  @ApiOkResponse({ description: 'A page of holds; nextCursor is null on the last', schema: HOLD_PAGE })
  @ApiResponse({ status: 422, description: 'unknown-region: region is not a code the catalog knows (GB, not UK; a custom region from HOLDFAST_CUSTOM_REGIONS)' })
  async list(@Query(new ZodQueryPipe(ListHoldsQuerySchema, 'The holds query')) { active, region, limit, cursor }: z.output<typeof ListHoldsQuerySchema>) {
    // A country's code in any case, as the windows' filter, the calendar feeds and the analyzer's surges take it.
    const code = region ? this.holds.knownRegions([region], 'region')[0] : undefined;
    const before = cursor ? decodeCursor(cursor, 'uuid') : undefined;
    const rows = await this.holds.list({ active, region: code, limit: limit + 1, before });
    return pageOf(rows, limit, (row) => ({ at: row.placed_at, id: row.id }), (row) => holdView(row, this.config.settings.holdCooldownMs));
  }

  @Get(':id')
  @UseInterceptors(EntityTagInterceptor)
  @ApiOperation({ summary: 'A hold, the occurrences it holds and the runs let through it; its ETag is its version ("2"), to send back in If-Match' })
  @ApiOkResponse({
    description: 'The hold, the occurrences it holds, and the runs let through it; its counts and overrides move with the windows under it, not its version',
    schema: HOLD_DETAIL_ANSWER,
    headers: ENTITY_TAG_HEADER,
  })
  async get(@Param('id', UuidParamPipe) id: string): Promise<HoldDetailView> {
    const hold = await this.holds.get(id);
    const [counts, overridden] = await Promise.all([this.holds.counts(id), this.holds.overrides(id)]);
    return { ...countedHoldView(hold, counts, this.config.settings.holdCooldownMs), ...overridden };
  }

  @Post()
  @RequireScope('holds:declare')
  @UseInterceptors(EntityTagInterceptor)
  @Created('/v1/holds/{id}', { description: 'The hold placed, with the occurrences it holds', schema: COUNTED_HOLD_ANSWER, entityTag: true })
  @ApiOperation({ summary: 'Declare a manual hold on regions for a period (the 2009 request would have been one)' })
  @ApiResponse({
    status: 422,
    description:
      'unknown-region (a region the catalog does not know, named in errors), hold-in-the-past (until is not after now), hold-too-far-ahead (from further ahead than PLAN_MAX_AHEAD_DAYS) or hold-too-long (longer than MANUAL_HOLD_MAX_DAYS)',
  })
  @ApiZodBody(ManualHoldSchema)
  async place(@Body(new ZodBodyPipe(ManualHoldSchema)) body: z.infer<typeof ManualHoldSchema>, @CurrentPrincipal() principal: Principal): Promise<CountedHoldView> {
    const actor = actorOf(principal);
    // An ended period would be announced as placed, then released at the next sweep: two notifications of nothing.
    const now = this.clock.now();
    if (body.until && Date.parse(body.until) <= now.getTime()) {
      throw new DomainError('hold-in-the-past', 422, `A hold must end after now (${now.toISOString()}); this one ends at ${body.until}.`, { errors: [{ path: 'until', message: 'must be in the future' }] });
    }
    const aheadMs = Date.parse(body.from) - now.getTime();
    const maxAheadMs = this.config.settings.planMaxAheadMs;
    if (aheadMs > maxAheadMs) {
      // 2062 typed for 2026: taken, it would wait unseen for decades and hold nothing in the period meant.
      throw new DomainError(
        'hold-too-far-ahead',
        422,
        `This hold starts at ${body.from}, ${daysInWords(aheadMs)} from now (${now.toISOString()}), further ahead than the ${daysInWords(maxAheadMs)} a hold may be declared (PLAN_MAX_AHEAD_DAYS). Check the year in from, or declare the hold nearer the time.`,
        { errors: [{ path: 'from', message: `more than ${daysInWords(maxAheadMs)} from now` }] },
      );
    }
    const lastsMs = body.until ? Date.parse(body.until) - Date.parse(body.from) : 0;
    const maxMs = this.config.settings.manualHoldMaxMs;
    if (lastsMs > maxMs) {
      // 2126 typed for 2026 would hold every window of the regions for a century.
      throw new DomainError(
        'hold-too-long',
        422,
        `This hold lasts ${daysInWords(lastsMs)} (${body.from} to ${body.until}), longer than the ${daysInWords(maxMs)} a manual hold with an end may last (MANUAL_HOLD_MAX_DAYS). Check until, or leave it out for a hold that lasts until it is released.`,
        { errors: [{ path: 'until', message: `more than ${daysInWords(maxMs)} after from` }] },
      );
    }
    const hold = await this.dataSource.transaction((tx) =>
      this.holds.place(tx, {
        source: 'manual',
        causeId: uuidv7(),
        regions: body.regions,
        reason: body.reason,
        from: new Date(body.from),
        until: body.until ? new Date(body.until) : null,
        placedBy: actor,
      }),
    );
    this.holds.refreshGaugesSoon();
    return countedHoldView(hold!, await this.holds.counts(hold!.id), this.config.settings.holdCooldownMs);
  }

  @Post(':id/release')
  @RequireScope('holds:declare')
  @HttpCode(200)
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({ summary: 'Release a hold now, with a reason: its occurrences go back to scheduled or need a new slot. A stale If-Match gets 412 with currentVersion' })
  @ApiZodBody(ReleaseSchema)
  @ApiOkResponse({ description: 'The hold, released, with the occurrences it held; ETag: its new version', schema: COUNTED_HOLD_ANSWER, headers: ENTITY_TAG_HEADER })
  @ApiResponse({ status: 409, description: 'hold-released: it was released already (GET it to see by whom and why)' })
  async release(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodBodyPipe(ReleaseSchema)) body: z.infer<typeof ReleaseSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CountedHoldView> {
    const alreadyReleased = (at: Date) =>
      new DomainError(
        'hold-released',
        409,
        `Hold ${id} was already released at ${at.toISOString()}: nothing to release. GET /v1/holds/${id} says by whom and why; declare a new hold (POST /v1/holds) if the regions need one again.`,
      );
    const precondition = HOLDS.precondition(ifMatch, { id });
    const hold = await this.holds.get(id);
    // The precondition first (RFC 9110 13.2.2): a hold released since the client read it is a stale read, the 409 is for one it knew released.
    HOLDS.assertMatches(precondition, id, hold.version, RELEASE_AGAIN);
    if (hold.released_at) throw alreadyReleased(hold.released_at);
    const released = await this.dataSource.transaction(async (tx) => {
      if (precondition) {
        // Changed since the read (a surge's update or clearance, the sweep): held to the precondition under the row's lock, which the release takes next anyway.
        // The hold set's release key first, as the release takes them: the other way round, this and the sweep releasing the same hold could wait for each other.
        await tx.query(LOCK_HOLD_SET_TO_RELEASE);
        const [locked] = (await tx.query('SELECT version FROM hold WHERE id = $1 FOR UPDATE', [id])) as { version: number }[];
        HOLDS.assertMatches(precondition, id, locked.version, RELEASE_AGAIN);
      }
      return this.holds.release(tx, hold, actorOf(principal), body.reason);
    });
    // Released meanwhile (the sweep, another request): the same 409, not a 200 for a release this request did not make.
    if (!released) throw alreadyReleased((await this.holds.get(id)).released_at!);
    this.holds.refreshGaugesSoon();
    return countedHoldView(await this.holds.get(id), await this.holds.counts(id), this.config.settings.holdCooldownMs);
  }
}
