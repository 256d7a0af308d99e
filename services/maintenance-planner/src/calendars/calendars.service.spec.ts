import type { ServiceConfig } from '@holdfast/service-kit';
import { ManualClock } from '@holdfast/testing';
import ICAL from 'ical.js';
import type { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { plannerEnvironment, plannerSettings, type PlannerSettings } from '../config/planner-settings';
import type { FeedRun } from './calendar-runs.sql';
import { CalendarsService } from './calendars.service';

const run: FeedRun = {
  window_id: '0190a7d1-0000-7abc-8def-0123456789ab',
  number: 1,
  starts_at: new Date('2027-03-07T22:00:00Z'),
  ends_at: new Date('2027-03-07T23:00:00Z'),
  status: 'scheduled',
  title: 'Core router upgrade',
  owner_team: 'network-ops',
  footprint_global: false,
  footprint_regions: ['IR'],
  planned_zone: 'America/Los_Angeles',
  priority: 'routine',
  changed_at: new Date('2027-01-15T00:00:00Z'),
  holds: null,
};

/** The service over a database holding `runs`, answering readRuns' reads of them, with the planner's settings from `environment` (defaults for the rest). */
function calendarsOver(runs: FeedRun[], clock: ManualClock, environment: Record<string, string> = {}): CalendarsService {
  const read = (_sql: string, [, , , , , cancelledStatuses, cancelled, , , , limit]: [string | null, string | null, Date, null, null, string[], boolean, null, null, null, number]) =>
    Promise.resolve(runs.filter((run) => cancelledStatuses.includes(run.status) === cancelled).slice(0, limit));
  const dataSource = { query: read } as unknown as DataSource;
  // The service reads only its settings of the config.
  const config = { settings: plannerSettings(z.object(plannerEnvironment).parse(environment)) } as ServiceConfig<PlannerSettings>;
  return new CalendarsService(dataSource, clock, config);
}

const calendarOf = async (service: CalendarsService) => new ICAL.Component(ICAL.parse(await (await service.forTeam('network-ops')).render()));

describe('CalendarsService feeds', () => {
  it('says how far ahead a recurring window\'s runs are listed: OCCURRENCE_HORIZON_DAYS, to the date that is now', async () => {
    const clock = new ManualClock('2027-02-01T09:30:00Z');
    const calendar = await calendarOf(calendarsOver([run], clock));
    expect(calendar.getFirstPropertyValue('x-wr-caldesc')).toBe(
      "Recurring windows' runs are listed up to the planner's horizon of 90 days ahead (OCCURRENCE_HORIZON_DAYS): until 2027-05-02 (UTC). Past it only a window's first run is listed. Later runs are added as the horizon moves on.",
    );
    const shorter = await calendarOf(calendarsOver([run], clock, { OCCURRENCE_HORIZON_DAYS: '30' }));
    expect(shorter.getFirstPropertyValue('x-wr-caldesc')).toMatch(/ horizon of 30 days ahead \(OCCURRENCE_HORIZON_DAYS\): until 2027-03-03 \(UTC\)\./);
  });

  it('tags a feed anew when its horizon reaches another day, and not within the day', async () => {
    const clock = new ManualClock('2027-02-01T00:00:00Z');
    const service = calendarsOver([run], clock);
    const tag = (await service.forTeam('network-ops')).entityTag;
    clock.set('2027-02-01T23:59:00Z');
    expect((await service.forTeam('network-ops')).entityTag).toBe(tag);
    clock.set('2027-02-02T00:00:00Z');
    expect((await service.forTeam('network-ops')).entityTag).not.toBe(tag);
  });

  it('gives a feed with no run its horizon too, in a calendar with no event', async () => {
    const calendar = await calendarOf(calendarsOver([], new ManualClock('2027-02-01T00:00:00Z')));
    expect(calendar.getAllSubcomponents('vevent')).toEqual([]);
    expect(calendar.getFirstPropertyValue('x-wr-caldesc')).toMatch(/until 2027-05-02 \(UTC\)/);
  });

  it('says a cut feed is cut, where the cut comes before the horizon', async () => {
    const later = { ...run, number: 2, starts_at: new Date('2027-03-14T21:00:00Z'), ends_at: new Date('2027-03-14T22:00:00Z') };
    const calendar = await calendarOf(calendarsOver([run, later], new ManualClock('2027-02-01T00:00:00Z'), { CALENDAR_FEED_MAX_EVENTS: '1' }));
    const cut = 'This feed holds its first 1 runs (CALENDAR_FEED_MAX_EVENTS). Those from 2027-03-14T21:00:00.000Z on are left out: raise CALENDAR_FEED_MAX_EVENTS.';
    expect([calendar.getFirstPropertyValue('description'), calendar.getFirstPropertyValue('x-wr-caldesc')]).toEqual([cut, cut]);
  });

  it('gives runs not cancelled the whole feed when they fill it, leaving out missed and cancelled runs before them, and says so', async () => {
    const missed = { ...run, status: 'missed', starts_at: new Date('2027-02-28T22:00:00Z'), ends_at: new Date('2027-02-28T23:00:00Z') };
    const next = { ...run, number: 2 };
    const cancelled = { ...run, number: 4, status: 'cancelled', starts_at: new Date('2027-03-21T21:00:00Z'), ends_at: new Date('2027-03-21T22:00:00Z') };
    const held = { ...run, number: 3, status: 'held', starts_at: new Date('2027-03-14T21:00:00Z'), ends_at: new Date('2027-03-14T22:00:00Z') };
    const calendar = await calendarOf(calendarsOver([missed, next, held, cancelled], new ManualClock('2027-02-01T00:00:00Z'), { CALENDAR_FEED_MAX_EVENTS: '2' }));
    expect(calendar.getAllSubcomponents('vevent').map((vevent) => [vevent.getFirstPropertyValue('uid'), vevent.getFirstPropertyValue('status')])).toEqual([
      [`${run.window_id}-2@holdfast`, 'CONFIRMED'],
      [`${run.window_id}-3@holdfast`, 'TENTATIVE'],
    ]);
    expect(calendar.getFirstPropertyValue('description')).toBe(
      'This feed holds every run not cancelled and no cancelled run (CALENDAR_FEED_MAX_EVENTS). Cancelled runs from 2027-02-28T22:00:00.000Z on are left out: raise CALENDAR_FEED_MAX_EVENTS.',
    );
  });

  it('cuts a feed between two starts, never among runs at one start, and names CALENDAR_PAST_DAYS only when runs that are over take room', async () => {
    const over = { ...run, window_id: '0190a7d1-0000-7abc-8def-000000000001', starts_at: new Date('2027-01-31T22:00:00Z'), ends_at: new Date('2027-01-31T23:00:00Z') };
    // Two windows' runs at one start, the second of them past the limit.
    const first = { ...run, window_id: '0190a7d1-0000-7abc-8def-000000000002' };
    const second = { ...run, window_id: '0190a7d1-0000-7abc-8def-000000000003' };
    const calendar = await calendarOf(calendarsOver([over, first, second], new ManualClock('2027-02-01T00:00:00Z'), { CALENDAR_FEED_MAX_EVENTS: '2' }));
    expect(calendar.getAllSubcomponents('vevent').map((vevent) => vevent.getFirstPropertyValue('uid'))).toEqual([`${over.window_id}-1@holdfast`]);
    expect(calendar.getFirstPropertyValue('description')).toBe(
      'This feed holds its first 1 runs (CALENDAR_FEED_MAX_EVENTS). Those from 2027-03-07T22:00:00.000Z on are left out: raise CALENDAR_FEED_MAX_EVENTS or lower CALENDAR_PAST_DAYS.',
    );
  });
});
