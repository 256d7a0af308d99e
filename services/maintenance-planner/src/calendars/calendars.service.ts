import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { PlannerSettings } from '../config/planner-settings';
import { readRuns, type FeedRun, type RunsAsked } from './calendar-runs.sql';
import { feedEntityTag, icsCalendar, type CalendarEvent, type FeedAbout } from './ics-calendar';

/** A feed ready to answer: its entity tag, read from its runs, and its body, written only when asked for. */
export interface CalendarFeed {
  entityTag: string;
  /** How many runs it holds. */
  runs: number;
  render(): Promise<string>;
}

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
/** 2026-01-01T00:00:00Z: revisions count seconds from here, small enough for any client's integer. */
const REVISION_EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * An event's SEQUENCE: the seconds from REVISION_EPOCH_MS to the run's last change, so it grows with
 * every change a client must take (a hold placed, released or overridden, a surge's clearance letting the run go, the window edited, the run started or missed),
 * where the window's version missed all but the edits. Above any version written before it.
 */
const revisionOf = (changedAt: Date): number => Math.max(0, Math.floor((changedAt.getTime() - REVISION_EPOCH_MS) / 1000));

/** The order readRuns reads runs in, by start, window and number, so a feed's runs merged from two reads list as one read did. */
const inFeedOrder = (a: FeedRun, b: FeedRun): number =>
  a.starts_at.getTime() - b.starts_at.getTime() || (a.window_id < b.window_id ? -1 : a.window_id > b.window_id ? 1 : 0) || a.number - b.number;

/**
 * Runs in feed order cut to `room`, at a start no listed run shares: runs starting at one instant are
 * listed or left out together, so "those from <start> on are left out" is true of every run at it.
 */
function cutAt(rows: FeedRun[], room: number): { kept: FeedRun[]; leftOutFrom?: Date } {
  if (rows.length <= room) return { kept: rows };
  const leftOutFrom = rows[room].starts_at;
  return { kept: rows.slice(0, room).filter((row) => row.starts_at < leftOutFrom), leftOutFrom };
}

@Injectable()
export class CalendarsService {
  private readonly logger = new Logger(CalendarsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() private readonly config: ServiceConfig<PlannerSettings>,
  ) {}

  async forTeam(team: string): Promise<CalendarFeed> {
    return this.feed(`Holdfast maintenance: team ${team}`, { team });
  }

  /** A region's feed: every window whose footprint names the region, and every global one. */
  async forRegion(region: string): Promise<CalendarFeed> {
    return this.feed(`Holdfast maintenance: region ${region}`, { region });
  }

  /**
   * A feed says where its runs stop, rather than reading as complete: one cut at
   * CALENDAR_FEED_MAX_EVENTS in a warning and in the log, any other at the horizon its recurring
   * windows' runs are planned to (OCCURRENCE_HORIZON_DAYS), dated, in a note, so a subscriber whose
   * calendar goes quiet after that day is told why. Cancelled runs are listed only in the room the
   * others leave: one only lets a client drop an event it took, and thousands of them (a team's
   * windows called off) filled a feed and cut the runs still on.
   */
  private async feed(name: string, windows: Pick<RunsAsked, 'team' | 'region'>): Promise<CalendarFeed> {
    const max = this.config.settings.calendarFeedMaxEvents;
    const live = cutAt(await this.runs(windows, false, max + 1), max);
    const room = max - live.kept.length;
    // One more than there is room for, even when there is none: whether any is left out, and from which on.
    const cancelled = cutAt(await this.runs(windows, true, room + 1), room);
    const liveLeftOut = live.leftOutFrom?.toISOString();
    const cancelledLeftOut = cancelled.leftOutFrom?.toISOString();
    // Lowering CALENDAR_PAST_DAYS makes room only where the feed lists runs that are over.
    const now = this.clock.nowMs();
    const pastListed = [...live.kept, ...cancelled.kept].some((row) => row.ends_at.getTime() <= now);
    const remedy = `raise CALENDAR_FEED_MAX_EVENTS${pastListed ? ' or lower CALENDAR_PAST_DAYS' : ''}.`;
    // No ';' or ',' in either text: some readers (ical.js among them) show an X- property's text still escaped.
    let about: FeedAbout = { note: this.horizonNote() };
    if (liveLeftOut) {
      about = {
        warning: cancelledLeftOut
          ? `This feed holds its first ${live.kept.length} runs not cancelled (CALENDAR_FEED_MAX_EVENTS). Those from ${liveLeftOut} on are left out and so is every cancelled run: ${remedy}`
          : `This feed holds its first ${live.kept.length} runs (CALENDAR_FEED_MAX_EVENTS). Those from ${liveLeftOut} on are left out: ${remedy}`,
      };
    } else if (cancelledLeftOut) {
      const listed = cancelled.kept.length === 0 ? 'no cancelled run' : `the first ${cancelled.kept.length} cancelled runs`;
      about = { warning: `This feed holds every run not cancelled and ${listed} (CALENDAR_FEED_MAX_EVENTS). Cancelled runs from ${cancelledLeftOut} on are left out: ${remedy}` };
    }
    if (about.warning) this.logger.warn({ feed: name, max, leftOutFrom: liveLeftOut, cancelledLeftOutFrom: cancelledLeftOut }, 'calendar feed cut at CALENDAR_FEED_MAX_EVENTS');
    const events = [...live.kept, ...cancelled.kept].sort(inFeedOrder).map((row) => this.event(row));
    return { entityTag: await feedEntityTag(name, events, about), runs: events.length, render: () => icsCalendar(name, events, about) };
  }

  /** Dated to the day, so a feed's entity tag changes once a day for it, not at every request. */
  private horizonNote(): string {
    const { occurrenceHorizonMs } = this.config.settings;
    const until = new Date(this.clock.nowMs() + occurrenceHorizonMs).toISOString().slice(0, 10);
    return `Recurring windows' runs are listed up to the planner's horizon of ${occurrenceHorizonMs / 86_400_000} days ahead (OCCURRENCE_HORIZON_DAYS): until ${until} (UTC). Past it only a window's first run is listed. Later runs are added as the horizon moves on.`;
  }

  /**
   * Whether a team is one Holdfast has heard of: a window was planned for it (in any status) or a key
   * issued to it. With the name in lower case when only that is, since team names are.
   */
  async teamHeardOf(team: string): Promise<{ heard: boolean; asLowerCase: boolean }> {
    const [{ heard, lower }] = (await this.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM maintenance_window WHERE owner_team = $1) OR EXISTS (SELECT 1 FROM api_key WHERE team = $1) AS heard,
              $2::text <> $1 AND (EXISTS (SELECT 1 FROM maintenance_window WHERE owner_team = $2) OR EXISTS (SELECT 1 FROM api_key WHERE team = $2)) AS lower`,
      [team, team.toLowerCase()],
    )) as { heard: boolean; lower: boolean }[];
    return { heard, asLowerCase: lower };
  }

  /**
   * The cancelled runs, or the others, that ended within CALENDAR_PAST_DAYS and every one ahead,
   * earliest first: past runs pile up for as long as a window recurs, and a feed from the first of
   * them would, in time, fill its CALENDAR_FEED_MAX_EVENTS with history and leave out what is coming.
   */
  private async runs(windows: Pick<RunsAsked, 'team' | 'region'>, cancelled: boolean, limit: number): Promise<FeedRun[]> {
    return readRuns(this.dataSource, { ...windows, endedAfter: new Date(this.clock.nowMs() - this.config.settings.calendarPastMs), cancelled, limit });
  }

  private event(row: FeedRun): CalendarEvent {
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
      sequence: revisionOf(row.changed_at),
      changedAt: row.changed_at,
      stampedAt: new Date(this.clock.nowMs()),
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
