import { PublicRoute } from '@holdfast/observability';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CALENDAR_HTML, CALENDAR_SCRIPT } from './calendar-page';

/** The week page: open like /docs (it holds no data); every API call it makes sends the key typed into it. */
@ApiExcludeController()
@PublicRoute()
@Controller('calendar')
export class CalendarPageController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
  page(): string {
    return CALENDAR_HTML;
  }

  @Get('calendar.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  script(): string {
    return CALENDAR_SCRIPT;
  }
}
