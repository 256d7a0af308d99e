import { Module } from '@nestjs/common';
import { CalendarPageController } from './calendar-page.controller';
import { CalendarsController } from './calendars.controller';
import { CalendarsService } from './calendars.service';

/** Subscribable iCalendar feeds of the planner's occurrences, per team and per region, and the week page at /calendar. */
@Module({ controllers: [CalendarsController, CalendarPageController], providers: [CalendarsService] })
export class CalendarsModule {}
