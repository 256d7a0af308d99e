import { Module } from '@nestjs/common';
import { OccurrencesController } from './occurrences.controller';
import { OccurrencesService } from './occurrences.service';

/**
 * GET /v1/occurrences: runs across windows, a page a request. Its own module: it only reads, with the
 * query the calendar feeds read with (calendars/calendar-runs.sql.ts), and needs none of the windows' and holds' writers.
 */
@Module({ controllers: [OccurrencesController], providers: [OccurrencesService] })
export class OccurrencesModule {}
