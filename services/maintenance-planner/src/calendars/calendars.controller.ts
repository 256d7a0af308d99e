import { RegionCodeSchema } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { DomainError } from '@holdfast/service-kit';
import { Controller, Get, Header, Param } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { CalendarsService } from './calendars.service';

const TEAM = /^[A-Za-z0-9._-]{1,200}$/;

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
  @ApiOperation({ summary: "A team's occurrences as an iCalendar feed: one event per occurrence in its planned zone, held ones with the hold's reason" })
  team(@Param('team') team: string): Promise<string> {
    if (!TEAM.test(team)) throw new DomainError('invalid-team', 400, `Team "${team}" is not a team name: letters, digits, dots, dashes and underscores.`, { errors: [{ path: 'team', message: 'must be a team name' }] });
    return this.calendars.forTeam(team);
  }

  @Get('regions/:region.ics')
  @Header('content-type', 'text/calendar; charset=utf-8')
  @ApiProduces('text/calendar')
  @ApiOperation({ summary: "The occurrences that can hurt a region (its own and global windows) as an iCalendar feed; 404 for a region the catalog does not know" })
  region(@Param('region') region: string): Promise<string> {
    const code = RegionCodeSchema.safeParse(region.length === 2 ? region.toUpperCase() : region);
    if (!code.success) throw new DomainError('invalid-region', 400, `"${region}" is not a region code: use an ISO 3166-1 alpha-2 code such as IR, or a custom region.`, { errors: [{ path: 'region', message: code.error.issues[0].message }] });
    // A feed of a region the catalog does not know (UK for GB, a custom region not configured) would stay empty for ever, and its subscriber never told.
    const known = this.catalog.find(code.data);
    if (!known) {
      throw new DomainError('unknown-region', 404, `There is no region ${region}: GET /v1/regions lists the ISO 3166-1 alpha-2 codes (GB, not UK) and the custom regions configured in HOLDFAST_CUSTOM_REGIONS.`, {
        errors: [{ path: 'region', code: 'unknown-region', message: `unknown region ${region}` }],
      });
    }
    return this.calendars.forRegion(known.code);
  }
}
