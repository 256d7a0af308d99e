import { RegionCodeSchema } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { DomainError, entityTagsIn } from '@holdfast/service-kit';
import { applyDecorators, Controller, Get, Header, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CalendarsService, type CalendarFeed } from './calendars.service';

const TEAM = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * A feed as its ETag says, or 304 Not Modified, unwritten, when If-None-Match names that ETag:
 * calendar clients poll every few minutes, and a region's feed of 5,000 runs is megabytes. A copy
 * may be kept (it holds no secret its key did not already read) but only by the client, and is
 * asked about again each time, since a hold may have been placed since.
 */
async function conditionally(feed: CalendarFeed, request: Request, response: Response): Promise<string | undefined> {
  response.setHeader('ETag', feed.entityTag);
  response.setHeader('Cache-Control', 'private, no-cache');
  if (names(request.headers['if-none-match'], feed.entityTag)) {
    response.status(304);
    return undefined;
  }
  return feed.render();
}

/**
 * Whether If-None-Match names `tag`: `*`, or a list of entity tags compared weakly (RFC 9110
 * 13.1.2). Not Express's req.fresh, which answers in full whenever the request carries
 * Cache-Control: no-cache, as fetch() adds to every request that sends If-None-Match.
 */
function names(ifNoneMatch: string | undefined, tag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const [own] = entityTagsIn(tag)!;
  return entityTagsIn(ifNoneMatch)?.includes(own) ?? false;
}

/** What a feed's answers say in the OpenAPI document: its ETag, and 304 to an If-None-Match naming it. */
const ConditionalFeed = () =>
  applyDecorators(
    ApiHeader({ name: 'If-None-Match', required: false, description: 'the ETag of the feed the client holds: 304 Not Modified, without a body, when the feed is still that' }),
    ApiOkResponse({
      description: 'the feed (text/calendar)',
      headers: {
        ETag: { description: 'weak, read from the runs the feed holds: send it back in If-None-Match', schema: { type: 'string' } },
        'Cache-Control': { description: 'private, no-cache: a client may keep the feed, and asks again each time', schema: { type: 'string' } },
      },
    }),
    ApiResponse({ status: 304, description: 'Not Modified: If-None-Match names the feed as it is; no body' }),
  );

@ApiTags('calendars')
@Controller('v1/calendars')
export class CalendarsController {
  constructor(
    private readonly calendars: CalendarsService,
    private readonly catalog: RegionCatalog,
  ) {}

  @Get('teams/:team.ics')
  @Header('content-type', 'text/calendar; charset=utf-8')
  @ApiProduces('text/calendar')
  @ConditionalFeed()
  @ApiOperation({
    summary: "A team's occurrences as an iCalendar feed: one event per occurrence in its planned zone, held ones with the hold's reason; 404 for a team no window was planned for and no key issued to",
  })
  async team(@Param('team') team: string, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<string | undefined> {
    if (!TEAM.test(team)) throw new DomainError('invalid-team', 400, `Team "${team}" is not a team name: letters, digits, dots, dashes and underscores.`, { errors: [{ path: 'team', message: 'must be a team name' }] });
    const feed = await this.calendars.forTeam(team);
    // A misspelt team's feed would stay empty for ever, its subscriber never told: asked only when there is nothing to show.
    if (feed.runs === 0) {
      const { heard, asLowerCase } = await this.calendars.teamHeardOf(team);
      if (!heard) {
        const hint = asLowerCase
          ? `team names are lower-case: ask for /v1/calendars/teams/${team.toLowerCase()}.ics`
          : 'check the name (team names are lower-case, such as network-ops; GET /v1/windows?team= lists a team\'s windows, GET /v1/keys the teams keys are issued to)';
        throw new DomainError('unknown-team', 404, `No window was ever planned for team ${team} and no key is issued to it: ${hint}.`, {
          errors: [{ path: 'team', code: 'unknown-team', message: `no window or key of team ${team}` }],
        });
      }
    }
    return conditionally(feed, request, response);
  }

  @Get('regions/:region.ics')
  @Header('content-type', 'text/calendar; charset=utf-8')
  @ApiProduces('text/calendar')
  @ConditionalFeed()
  @ApiOperation({ summary: "The occurrences that can hurt a region (its own and global windows) as an iCalendar feed; 404 for a region the catalog does not know" })
  async region(@Param('region') region: string, @Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<string | undefined> {
    const code = RegionCodeSchema.safeParse(region.length === 2 ? region.toUpperCase() : region);
    if (!code.success) throw new DomainError('invalid-region', 400, `"${region}" is not a region code: use an ISO 3166-1 alpha-2 code such as IR, or a custom region.`, { errors: [{ path: 'region', message: code.error.issues[0].message }] });
    // A feed of a region the catalog does not know (UK for GB, a custom region not configured) would stay empty for ever, and its subscriber never told.
    const known = this.catalog.find(code.data);
    if (!known) {
      throw new DomainError('unknown-region', 404, `There is no region ${region}: GET /v1/regions lists the ISO 3166-1 alpha-2 codes (GB, not UK) and the custom regions configured in HOLDFAST_CUSTOM_REGIONS.`, {
        errors: [{ path: 'region', code: 'unknown-region', message: `unknown region ${region}` }],
      });
    }
    return conditionally(await this.calendars.forRegion(known.code), request, response);
  }
}
