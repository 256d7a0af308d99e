import { Module } from '@nestjs/common';
import { CalendarsController } from './calendars.controller';
import { CalendarsService } from './calendars.service';

/** Subscribable iCalendar feeds of the planner's occurrences, per team and per region. */
@Module({ controllers: [CalendarsController], providers: [CalendarsService] })
export class CalendarsModule {}
