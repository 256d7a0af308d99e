import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { PlannerSettings } from '../config/planner-settings';
import { occurrenceStatusOf } from '../windows/window-record';
import { icsCalendar, type CalendarEvent } from './ics-calendar';

interface OccurrenceRow {
  window_id: string;
  number: number;
  starts_at: Date;
  ends_at: Date;
  status: string;
  title: string;
  owner_team: string;
  footprint_global: boolean;
  footprint_regions: string[];
  planned_zone: string;
  priority: string;
  version: number;
  updated_at: Date;
  holds: { id: string; reason: string; source: string; regions: string[] }[] | null;
}

/** A feed is fetched whole by every subscribed client, every few minutes to hours: bounded. */
const FEED_EVENTS_MAX = 5000;

/** Occurrence statuses as calendar event statuses: a held one may still not run, a cancelled one will not. */
const EVENT_STATUS: Record<string, CalendarEvent['status']> = {
  scheduled: 'CONFIRMED',
  'in-progress': 'CONFIRMED',
  completed: 'CONFIRMED',
  held: 'TENTATIVE',
  'needs-reschedule': 'TENTATIVE',
  missed: 'CANCELLED',
  cancelled: 'CANCELLED',
};

/** The planner's occurrences as iCalendar feeds, per owner team and per region. */
@Injectable()
export class CalendarsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  async forTeam(team: string): Promise<string> {
    return icsCalendar(`Holdfast maintenance: team ${team}`, await this.events('w.owner_team = $1', team));
  }

  /** A region's feed: every window whose footprint names the region, and every global one. */
  async forRegion(region: string): Promise<string> {
    return icsCalendar(`Holdfast maintenance: region ${region}`, await this.events('(w.footprint_global OR $1 = ANY (w.footprint_regions))', region));
  }

  /**
   * Runs that ended within CALENDAR_PAST_DAYS and every one ahead, nearest first: past runs pile up
   * for as long as a window recurs, and a feed from the first of them would, in time, fill its
   * FEED_EVENTS_MAX with history and leave out what is coming.
   */
  private async events(where: string, value: string): Promise<CalendarEvent[]> {
    const rows = (await this.dataSource.query(
      `SELECT o.window_id, o.number, o.starts_at, o.ends_at, ${occurrenceStatusOf('o')} AS status, w.title, w.owner_team, w.footprint_global, w.footprint_regions,
              w.planned_zone, w.priority, w.version, w.updated_at,
              (SELECT json_agg(json_build_object('id', h.id, 'reason', h.reason, 'source', h.source, 'regions', h.regions) ORDER BY ho.held_at)
                 FROM hold_occurrence ho JOIN hold h ON h.id = ho.hold_id
                WHERE ho.window_id = o.window_id AND ho.number = o.number AND ho.kind = 'held' AND ho.released_at IS NULL AND ho.overridden_by IS NULL) AS holds
         FROM occurrence o JOIN maintenance_window w ON w.id = o.window_id
        WHERE ${where} AND o.ends_at > $2
        ORDER BY o.starts_at, o.window_id, o.number
        LIMIT ${FEED_EVENTS_MAX}`,
      [value, new Date(this.clock.nowMs() - this.config.settings.calendarPastMs)],
    )) as OccurrenceRow[];
    return rows.map((row) => this.event(row));
  }

  private event(row: OccurrenceRow): CalendarEvent {
    const holds = row.holds ?? [];
    const footprint = row.footprint_global ? 'global' : row.footprint_regions.join(', ');
    const description = [
      `Team ${row.owner_team}, ${row.priority} window, footprint ${footprint}.`,
      `Status: ${row.status}.`,
      ...holds.map((hold) => `Held by ${hold.source} hold ${hold.id} on ${hold.regions.join(', ')}: ${hold.reason}`),
      `Window ${row.window_id}, occurrence ${row.number}.`,
    ].join('\n');
    return {
      uid: `${row.window_id}-${row.number}@holdfast`,
      sequence: row.version,
      stampedAt: row.updated_at,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      zone: row.planned_zone,
      summary: `${row.status === 'held' ? '[HELD] ' : ''}${row.title}`,
      description,
      status: EVENT_STATUS[row.status] ?? 'CONFIRMED',
      categories: ['Holdfast', row.status, ...(row.footprint_global ? ['global'] : row.footprint_regions)],
    };
  }
}
