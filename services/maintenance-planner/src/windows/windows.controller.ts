import { actorOf, ApiProblemResponse, ApiZodBody, ApiZodQuery, assertActsFor, assertMayAssignTo, Created, CurrentPrincipal, EntityTagInterceptor, IF_MATCH_HEADER, type Principal, RequireScope, RETRY_AFTER_HEADER, UuidParamPipe, ZodBodyPipe, ZodQueryPipe, ZodValuePipe } from '@holdfast/service-kit';
import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LET_THROUGH_HEADER, LET_THROUGH_HEADER_DOCUMENT, NOTICE_HEADER } from '../gate/gate.service';
import { HeldProblemSchema } from '../gate/held-problem.schema';
import { EXPLANATION_ANSWER, SUGGESTIONS_ANSWER, type WindowExplanation, type WindowSuggestions } from './explanation-view.schema';
import { ExplanationService } from './explanation.service';
import { mayOverride, requireOverrideScope, requirePolicyScope } from './override-scope';
import {
  CancelWindowQuerySchema,
  CancelWindowSchema,
  CreateWindowSchema,
  ListWindowsQuerySchema,
  OccurrenceNumberSchema,
  OccurrencesQuerySchema,
  UpdateWindowSchema,
  WindowOverrideSchema,
  type CreateWindowRequest,
  type UpdateWindowRequest,
} from './window-request.schema';
import { OCCURRENCE_ANSWER, OCCURRENCE_PAGE, OVERRIDE_ANSWER, PLANNED_WINDOW_ANSWER, WINDOW_ANSWER, WINDOW_PAGE, type OccurrencePage } from './window-view.schema';
import { MoveUnderHoldsProblemSchema, WindowInHoldProblemSchema } from './window-in-hold-problem.schema';
import { WindowsService } from './windows.service';
import { z } from 'zod';

const IN_HOLD = 'window-in-hold: it falls into the holds named, unless override: {reason} is given';
const TOO_FAR =
  'unknown-region, window-in-past, window-too-long, window-too-far-ahead, flexibility-too-far-ahead, flexibility-passed, overlapping-occurrences, too-many-occurrences, start-not-in-recurrence, recurrence-count-restarts, no-occurrences, or a time, zone or rule that cannot be planned by (unknown-zone, invalid-local-time, invalid-range, invalid-recurrence, recurrence-too-large), each naming the field';
const CANCELLED = 'window-cancelled: the window was cancelled and will never run; problem document with cancelledAt, cancelledBy and cancelReason';
const UNKNOWN_REGION = "unknown-region: region is not a code the catalog knows (GB, not UK; a custom region from HOLDFAST_CUSTOM_REGIONS)";

// Strict, as every list's query: a mistyped ?cuont=5 is refused, not answered with the default three.
const SuggestionsQuerySchema = z.strictObject({ count: z.coerce.number().int().min(1).max(10).default(3).meta({ description: 'slots to suggest, 1-10 (default 3)' }) });

@ApiTags('windows')
@Controller('v1/windows')
export class WindowsController {
  constructor(
    private readonly windows: WindowsService,
    private readonly explanations: ExplanationService,
  ) {}

  @Post()
  @RequireScope('windows:write')
  @UseInterceptors(EntityTagInterceptor)
  @Created('/v1/windows/{windowId}', { description: 'The window planned, with its first run and the holds its override let it through', schema: PLANNED_WINDOW_ANSWER, entityTag: true })
  @ApiProblemResponse({ status: 409, description: IN_HOLD, problem: WindowInHoldProblemSchema, orOtherProblems: true })
  @ApiResponse({ status: 422, description: TOO_FAR })
  @ApiOperation({ summary: 'Plan a window (409 naming the hold when it falls into one, unless override: {reason})' })
  @ApiZodBody(CreateWindowSchema)
  create(@Body(new ZodBodyPipe(CreateWindowSchema)) body: CreateWindowRequest, @CurrentPrincipal() principal: Principal) {
    assertMayAssignTo(principal, body.ownerTeam, 'plan a window for');
    if ('override' in body && body.override) requireOverrideScope(principal);
    requirePolicyScope(principal, body.surgePolicy);
    return this.windows.create(body, actorOf(principal));
  }

  @Get()
  @ApiOperation({ summary: 'Windows by time range, region, team and status, in start order; follow nextCursor for the next page' })
  @ApiZodQuery(ListWindowsQuerySchema)
  @ApiOkResponse({ description: 'A page of windows; nextCursor is null on the last', schema: WINDOW_PAGE })
  @ApiResponse({ status: 422, description: UNKNOWN_REGION })
  list(@Query(new ZodQueryPipe(ListWindowsQuerySchema)) query: z.output<typeof ListWindowsQuerySchema>) {
    return this.windows.list(query);
  }

  @Get(':id')
  @UseInterceptors(EntityTagInterceptor)
  @ApiOperation({ summary: 'A window with its next run; its ETag is its version ("3"), to send back in If-Match' })
  @ApiOkResponse({ description: 'The window; ETag: its version', schema: WINDOW_ANSWER })
  get(@Param('id', UuidParamPipe) id: string) {
    return this.windows.get(id);
  }

  @Patch(':id')
  @RequireScope('windows:write')
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader({ name: 'If-Match', required: false, description: `the ETag you read ("3"; W/"3", a list such as "2", "3", or * for any version); or "version" in the body` })
  @ApiOperation({ summary: 'Change a window; a stale If-Match gets 412, a stale body version 409, each with currentVersion' })
  @ApiOkResponse({ description: 'The window changed; ETag: its new version', schema: WINDOW_ANSWER })
  @ApiProblemResponse({
    status: 409,
    description: `stale-version: the body's version is not the window's (currentVersion); window-cancelled; ${IN_HOLD}`,
    problem: WindowInHoldProblemSchema,
    orOtherProblems: true,
  })
  @ApiProblemResponse({
    status: 403,
    description:
      "missing-scope (the scope needed, in requiredScope): windows:write; holds:override for override, for a surgePolicy no hold stops, or for a change that brings a window no hold stops (exempt, notify-only) under active holds, with its surgePolicy and those holds named as window-in-hold names them; or other-team: the window belongs to another team than the key's",
    problem: MoveUnderHoldsProblemSchema,
    orOtherProblems: true,
  })
  @ApiResponse({ status: 422, description: TOO_FAR })
  @ApiResponse({ status: 428, description: 'version-required: neither If-Match nor a body version says which version the change is made against' })
  @ApiZodBody(UpdateWindowSchema)
  async update(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodBodyPipe(UpdateWindowSchema)) body: UpdateWindowRequest,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    await this.actsFor(principal, id);
    if (body.ownerTeam !== undefined) assertMayAssignTo(principal, body.ownerTeam, 'hand a window to');
    if ('override' in body && body.override) requireOverrideScope(principal);
    // A change of surgePolicy is judged against the policy stored, read in the change's transaction.
    return this.windows.update(id, body, ifMatch, actorOf(principal), mayOverride(principal));
  }

  @Post(':id/cancel')
  @RequireScope('windows:write')
  @HttpCode(200)
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader({ name: 'If-Match', required: false, description: `the ETag you read ("3"; W/"3", a list such as "2", "3", or * for any version); or "version" in the body; neither cancels whatever the version` })
  @ApiOperation({ summary: 'Cancel a window: its occurrences not yet run are cancelled and let go by their holds' })
  @ApiOkResponse({ description: 'The window, cancelled; ETag: its new version', schema: WINDOW_ANSWER })
  @ApiResponse({ status: 409, description: "stale-version: the body's version is not the window's (currentVersion)" })
  @ApiZodBody(CancelWindowSchema)
  async cancel(
    @Param('id', UuidParamPipe) id: string,
    @Body(new ZodBodyPipe(CancelWindowSchema)) body: z.infer<typeof CancelWindowSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    await this.actsFor(principal, id);
    return this.windows.cancel(id, body.reason, body.version, ifMatch, actorOf(principal));
  }

  // DESIGN.md lists "cancel" without a verb: a client that reaches for DELETE cancels too, its reason in the query.
  @Delete(':id')
  @RequireScope('windows:write')
  @HttpCode(200)
  @UseInterceptors(EntityTagInterceptor)
  @ApiHeader(IF_MATCH_HEADER)
  @ApiOperation({ summary: 'Cancel a window as POST /v1/windows/{id}/cancel does, with ?reason= (kept on the audit trail)' })
  @ApiOkResponse({ description: 'The window, cancelled; ETag: its new version', schema: WINDOW_ANSWER })
  @ApiZodQuery(CancelWindowQuerySchema)
  async remove(
    @Param('id', UuidParamPipe) id: string,
    @Query(new ZodQueryPipe(CancelWindowQuerySchema)) query: z.output<typeof CancelWindowQuerySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ) {
    await this.actsFor(principal, id);
    return this.windows.cancel(id, query.reason, undefined, ifMatch, actorOf(principal));
  }

  @Post(':id/override')
  @RequireScope('holds:override')
  @HttpCode(200)
  @ApiOperation({ summary: 'Let this window (or one occurrence) through the holds on it, with a reason' })
  @ApiOkResponse({ description: 'The holds it was let through, and the window', schema: OVERRIDE_ANSWER })
  @ApiResponse({ status: 409, description: `not-held: no active hold could stop a run of it still to come; ${CANCELLED}` })
  @ApiResponse({ status: 404, description: 'window-not-found: there is no window id; occurrence-not-found: occurrence names a run the window does not have (GET /v1/windows/{id}/occurrences lists them)' })
  @ApiZodBody(WindowOverrideSchema)
  override(@Param('id', UuidParamPipe) id: string, @Body(new ZodBodyPipe(WindowOverrideSchema)) body: z.infer<typeof WindowOverrideSchema>, @CurrentPrincipal() principal: Principal) {
    return this.windows.override(id, body.reason, body.occurrence, actorOf(principal));
  }

  @Get(':id/occurrences')
  @ApiOperation({ summary: 'Each run of the window in order, its status and the holds on it; follow nextCursor for the next page' })
  @ApiZodQuery(OccurrencesQuerySchema)
  @ApiOkResponse({ description: 'A page of its runs; nextCursor is null on the last', schema: OCCURRENCE_PAGE })
  occurrences(@Param('id', UuidParamPipe) id: string, @Query(new ZodQueryPipe(OccurrencesQuerySchema, 'The occurrences query')) query: z.output<typeof OccurrencesQuerySchema>): Promise<OccurrencePage> {
    return this.windows.occurrences(id, query);
  }

  @Post(':id/occurrences/:n/start')
  @RequireScope('windows:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark an occurrence in progress if the gate allows it (423 with the holds otherwise)' })
  @ApiOkResponse({
    description:
      'The occurrence, in progress; for a notify-only window a hold is in force on, a Holdfast-Notice header names the holds; for a run an override lets through holds in force, a Holdfast-Let-Through header names the run and those holds; each as the gate does',
    schema: OCCURRENCE_ANSWER,
    headers: {
      [NOTICE_HEADER]: { description: 'for a notify-only window in a hold: it runs, and which holds are in force', schema: { type: 'string' } },
      [LET_THROUGH_HEADER]: LET_THROUGH_HEADER_DOCUMENT,
    },
  })
  @ApiResponse({
    status: 409,
    description:
      'occurrence-not-startable: it never can (in progress, completed, missed, or cancelled, with its window or when the window moved; occurrenceStatus says which); occurrence-not-due: it is planned further ahead than OCCURRENCE_EARLY_START_MINUTES; run-awaits-new-slot: held past its start by holds that have all ended, before the sweep marks it needs-reschedule (after that sweep, started by its number, it runs anyway)',
  })
  @ApiProblemResponse({
    status: 423,
    problem: HeldProblemSchema,
    description: 'held: problem document listing the holds on it, as the gate gives it; Retry-After header (seconds from now to the latest release due or end)',
    headers: RETRY_AFTER_HEADER,
  })
  @ApiResponse({ status: 503, description: 'surges-unheard: the broker has not answered the planner for longer than GATE_MAX_SURGE_SILENCE_SECONDS, or the planner is catching up on region.surges.v1 after its start or a rebalance, as the gate says it; or dependency-unavailable', headers: RETRY_AFTER_HEADER })
  async start(
    @Param('id', UuidParamPipe) id: string,
    @Param('n', new ZodValuePipe(z.coerce.number().pipe(OccurrenceNumberSchema))) n: number,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ) {
    await this.actsFor(principal, id);
    const { occurrence, notice, letThrough } = await this.windows.start(id, n, actorOf(principal));
    if (notice) response.setHeader(NOTICE_HEADER, notice);
    if (letThrough) response.setHeader(LET_THROUGH_HEADER, letThrough);
    return occurrence;
  }

  @Post(':id/occurrences/:n/complete')
  @RequireScope('windows:write')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The occurrence, completed', schema: OCCURRENCE_ANSWER })
  @ApiResponse({ status: 409, description: 'occurrence-not-in-progress: it was not started, or is completed, missed or cancelled (occurrenceStatus says which)' })
  async complete(@Param('id', UuidParamPipe) id: string, @Param('n', new ZodValuePipe(z.coerce.number().pipe(OccurrenceNumberSchema))) n: number, @CurrentPrincipal() principal: Principal) {
    await this.actsFor(principal, id);
    return this.windows.complete(id, n, actorOf(principal));
  }

  @Get(':id/explanation')
  @ApiOperation({ summary: 'Why it is held: each hold, its cause (surge evidence, alert, declaration or manual request), correlation id and audit trail' })
  @ApiOkResponse({ description: 'Every hold on any of its runs with its cause and trail, and the window\'s own trail', schema: EXPLANATION_ANSWER })
  explanation(@Param('id', UuidParamPipe) id: string): Promise<WindowExplanation> {
    return this.explanations.explain(id);
  }

  @Get(':id/suggestions')
  @ApiOperation({ summary: 'The least-impact slots within the flexibility, outside active holds, with local times' })
  @ApiZodQuery(SuggestionsQuerySchema)
  @ApiOkResponse({ description: 'The slots, best first, beside where the run is now', schema: SUGGESTIONS_ANSWER })
  @ApiResponse({ status: 409, description: CANCELLED })
  @ApiResponse({ status: 422, description: 'invalid-slot-search: its flexibility leaves no room for the run before its deadline, or lies further ahead than slots are searched; the detail says what to change' })
  suggestions(@Param('id', UuidParamPipe) id: string, @Query(new ZodQueryPipe(SuggestionsQuerySchema, 'The suggestions query')) { count }: z.output<typeof SuggestionsQuerySchema>): Promise<WindowSuggestions> {
    return this.explanations.suggest(id, count);
  }

  /** A team changes only its own windows (an admin key any team's). */
  private async actsFor(principal: Principal, windowId: string): Promise<void> {
    const window = (await this.windows.get(windowId)) as { ownerTeam: string };
    assertActsFor(principal, window.ownerTeam, `Window ${windowId}`);
  }
}
