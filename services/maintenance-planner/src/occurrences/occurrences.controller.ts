import { ApiZodQuery, ZodQueryPipe } from '@holdfast/service-kit';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { WINDOW_OCCURRENCE_PAGE, type WindowOccurrencePage } from './occurrence-view.schema';
import { WindowOccurrencesQuerySchema, type WindowOccurrencesQuery } from './occurrences-query.schema';
import { OccurrencesService } from './occurrences.service';

@ApiTags('windows')
@Controller('v1/occurrences')
export class OccurrencesController {
  constructor(private readonly occurrences: OccurrencesService) {}

  @Get()
  @ApiOperation({
    summary:
      "Runs of every window, or of a team's, a region's or a hold's, by time range and status, in start order, each with its window's title and team; follow nextCursor for the next page",
  })
  @ApiZodQuery(WindowOccurrencesQuerySchema)
  @ApiOkResponse({ description: 'A page of runs, each as GET /v1/windows/{id}/occurrences lists it, with its window; nextCursor is null on the last', schema: WINDOW_OCCURRENCE_PAGE })
  @ApiResponse({ status: 404, description: 'hold-not-found: there is no hold of the id given in hold (GET /v1/holds lists them)' })
  @ApiResponse({ status: 422, description: 'unknown-region: region is not a code the catalog knows (GB, not UK; a custom region from HOLDFAST_CUSTOM_REGIONS)' })
  list(@Query(new ZodQueryPipe(WindowOccurrencesQuerySchema, 'The occurrences query')) query: WindowOccurrencesQuery): Promise<WindowOccurrencePage> {
    return this.occurrences.list(query);
  }
}
