import { createEvent, EventExamples, type EventType } from '@holdfast/contracts';
import { RegionCatalog } from '@holdfast/regions';
import { describe, expect, it } from 'vitest';
import type { DeliveredEvent } from '../deliveries/delivery.entity';
import { MessageRenderer } from './notification-message';

// A weekly window first run on 1 June (DTSTART); the events are about its run on 15 June.
const firstRun = { startsAt: '2026-06-01T17:00:00Z', endsAt: '2026-06-01T19:00:00Z' };
const thirdRun = { startsAt: '2026-06-15T17:00:00Z', endsAt: '2026-06-15T19:00:00Z' };
const recurring = { ...firstRun, recurrence: 'FREQ=WEEKLY', localTimes: undefined };
const thirdRunListed = {
  number: 3,
  ...thirdRun,
  status: 'held' as const,
  localTimes: [{ region: 'IR', zone: 'Asia/Tehran', startsAtLocal: '2026-06-15T20:30', endsAtLocal: '2026-06-15T22:30' }],
};

const delivered = <T extends EventType>(type: T, data: object) => createEvent(type, { ...EventExamples[type], ...recurring, ...data } as never, { source: 'spec' }) as unknown as DeliveredEvent;

describe('MessageRenderer, window events of a recurring window', () => {
  const renderer = new MessageRenderer(new RegionCatalog(), 'http://planner.test');

  it('says when the run the event is about runs, in UTC and local time, not the first run', () => {
    const started = renderer.render(delivered('window.started', { startedAt: '2026-06-15T17:00:05Z', occurrence: thirdRun }));
    expect(started.until).toBe('runs Mon 15 Jun 17:00 UTC');
    expect(started.localTimes.find((line) => line.region === 'IR')?.text).toBe('Mon 15 Jun 20:30 → 22:30 Asia/Tehran (UTC+03:30)');

    const held = renderer.render(delivered('window.held', { occurrences: [thirdRunListed] }));
    expect(held.localTimes).toEqual([{ region: 'IR', zone: 'Asia/Tehran', text: 'Mon 15 Jun 20:30 → 22:30 Asia/Tehran (UTC+03:30)' }]);
    const cancelled = renderer.render(delivered('window.cancelled', { occurrences: [{ ...thirdRunListed, status: 'cancelled' }] }));
    expect(cancelled.until).toBe('runs Mon 15 Jun 17:00 UTC');
  });

  it('says why runs moved when a change of the zone’s rules moved them, and when the first of them runs now', () => {
    const moved = renderer.render(delivered('window.updated', { changes: ['occurrences'], occurrences: [{ ...thirdRunListed, status: 'scheduled' }] }));
    expect(moved.title).toBe(`Window "${EventExamples['window.updated'].title}" updated`);
    expect(moved.why).toBe("its zone's rules changed (a newer time zone database): 1 run to come moved back to the local time it was planned at");
    const many = renderer.render(delivered('window.updated', { changes: ['occurrences'], occurrences: [thirdRunListed, { ...thirdRunListed, number: 4 }], occurrencesTruncated: true }));
    expect(many.why).toBe("its zone's rules changed (a newer time zone database): more than 2 runs to come moved back to the local time it was planned at");
    expect(moved.until).toBe('runs Mon 15 Jun 17:00 UTC');
    expect(renderer.render(delivered('window.updated', { changes: ['title'] })).why).toMatch(/ window, status /);
  });

  it('falls back to the window’s own times when the event names no run', () => {
    expect(renderer.render(delivered('window.scheduled', {})).until).toBe('runs Mon 1 Jun 17:00 UTC');
  });
});

describe('MessageRenderer, local times across a DST change', () => {
  const renderer = new MessageRenderer(new RegionCatalog(), 'http://planner.test');
  // A weekly Sunday 02:30 Berlin run on the fall-back day runs at the earlier 02:30 (00:30Z, CEST) and ends at 02:30 CET.
  const fallBackRun = {
    number: 31,
    startsAt: '2026-10-25T00:30:00Z',
    endsAt: '2026-10-25T01:30:00Z',
    status: 'held' as const,
    localTimes: [{ region: 'DE', zone: 'Europe/Berlin', startsAtLocal: '2026-10-25T02:30', endsAtLocal: '2026-10-25T02:30', offset: '+02:00', endOffset: '+01:00' }],
  };

  it('gives a run in the repeated hour the offset of its own instant, and the end its own', () => {
    const held = renderer.render(delivered('window.held', { occurrences: [fallBackRun] }));
    expect(held.localTimes).toEqual([{ region: 'DE', zone: 'Europe/Berlin', text: 'Sun 25 Oct 02:30 → 02:30 Europe/Berlin (UTC+02:00→UTC+01:00)' }]);
  });

  it('gives a hold period crossing the change both offsets, and a held window’s run its own', () => {
    const period = {
      ...EventExamples['hold.placed'],
      regions: ['DE'],
      from: '2026-10-24T20:00:00Z',
      until: '2026-10-25T05:00:00Z',
      periodLocalTimes: [{ region: 'DE', zone: 'Europe/Berlin', fromLocal: '2026-10-24T22:00', untilLocal: '2026-10-25T06:00', offset: '+02:00' }],
      windows: [{ windowId: '0190a7d1-0000-7abc-8def-0123456789ab', title: 'DB failover', ownerTeam: 'core', priority: 'important' as const, surgePolicy: 'hold' as const, notifyOnly: false, occurrences: [fallBackRun] }],
    };
    const placed = renderer.render(createEvent('hold.placed', period, { source: 'spec' }) as unknown as DeliveredEvent);
    expect(placed.localTimes).toEqual([{ region: 'DE', zone: 'Europe/Berlin', text: 'Sat 24 Oct 22:00 → Sun 25 Oct 06:00 Europe/Berlin (UTC+02:00→UTC+01:00)' }]);
    expect(placed.what).toBe('DB failover (team core, Sun 25 Oct 02:30 → 02:30 Europe/Berlin (UTC+02:00→UTC+01:00))');
  });
});

describe('MessageRenderer, a window planned in a zone its regions read otherwise', () => {
  const renderer = new MessageRenderer(new RegionCatalog(), 'http://planner.test');
  // 02:00-03:00 on Lord Howe Island: UTC+10:30 in the southern winter, when Sydney is UTC+10.
  const lordHowe = { footprint: { global: false, regions: ['AU'] }, plannedZone: 'Australia/Lord_Howe', recurrence: undefined, startsAt: '2026-06-14T15:30:00Z', endsAt: '2026-06-14T16:30:00Z' };

  it("gives the run of a window planned on Lord Howe Island by its clock for AU, not by Sydney's, half an hour off in winter", () => {
    expect(renderer.render(delivered('window.scheduled', lordHowe)).localTimes).toEqual([
      { region: 'AU', zone: 'Australia/Lord_Howe', text: 'Mon 15 Jun 02:00 → 03:00 Australia/Lord_Howe (UTC+10:30)' },
    ]);
    // So too when the planner lists the run's local times in the region's principal zone.
    const held = renderer.render(delivered('window.held', { ...lordHowe, occurrences: [{ number: 1, startsAt: lordHowe.startsAt, endsAt: lordHowe.endsAt, status: 'held', localTimes: [{ region: 'AU', zone: 'Australia/Sydney', startsAtLocal: '2026-06-15T01:30', endsAtLocal: '2026-06-15T02:30' }] }] }));
    expect(held.localTimes).toEqual([{ region: 'AU', zone: 'Australia/Lord_Howe', text: 'Mon 15 Jun 02:00 → 03:00 Australia/Lord_Howe (UTC+10:30)' }]);
  });

  it("keeps the region's own zone for a window planned in another country's (Los Angeles for IR)", () => {
    const planned = renderer.render(delivered('window.scheduled', { ...lordHowe, footprint: { global: false, regions: ['IR'] }, plannedZone: 'America/Los_Angeles' }));
    expect(planned.localTimes).toEqual([{ region: 'IR', zone: 'Asia/Tehran', text: 'Sun 14 Jun 19:00 → 20:00 Asia/Tehran (UTC+03:30)' }]);
  });

  // A hold's windows as the planner lists them: each run's local times in the region's principal zone, with the window's planned zone.
  const lordHoweHeld = {
    windowId: '0190a7d1-0000-7abc-8def-0123456789ab',
    title: 'LH winter 0200',
    ownerTeam: 'tz-review',
    priority: 'routine' as const,
    surgePolicy: 'hold' as const,
    notifyOnly: false,
    plannedZone: 'Australia/Lord_Howe',
    occurrences: [{ number: 1, startsAt: lordHowe.startsAt, endsAt: lordHowe.endsAt, status: 'held' as const, localTimes: [{ region: 'AU', zone: 'Australia/Sydney', startsAtLocal: '2026-06-15T01:30', endsAtLocal: '2026-06-15T02:30' }] }],
  };
  const holdEvent = <T extends 'hold.placed' | 'hold.released'>(type: T, data: object) =>
    renderer.render(createEvent(type, { ...EventExamples[type], regions: ['AU'], windowIds: [lordHoweHeld.windowId], periodLocalTimes: undefined, ...data } as never, { source: 'spec' }) as unknown as DeliveredEvent);

  it("gives a Lord Howe window's run in a hold's messages by its planned zone's clock, as window.held does, not Sydney's", () => {
    const lordHoweRun = 'LH winter 0200 (team tz-review, Mon 15 Jun 02:00 → 03:00 Australia/Lord_Howe (UTC+10:30))';
    expect(holdEvent('hold.placed', { windows: [lordHoweHeld] }).what).toBe(lordHoweRun);
    expect(holdEvent('hold.released', { windows: [{ ...lordHoweHeld, occurrences: [{ ...lordHoweHeld.occurrences[0], status: 'scheduled' }] }] }).what).toBe(lordHoweRun);
    // Planned in another country's zone, or by a planner that sent no planned zone: the region's own, as the planner listed it.
    expect(holdEvent('hold.placed', { windows: [{ ...lordHoweHeld, plannedZone: 'America/Los_Angeles' }] }).what).toBe('LH winter 0200 (team tz-review, Mon 15 Jun 01:30 → 02:30 Australia/Sydney (UTC+10:00))');
    const { plannedZone: _, ...unzoned } = lordHoweHeld;
    expect(holdEvent('hold.placed', { windows: [unzoned] }).what).toBe('LH winter 0200 (team tz-review, Mon 15 Jun 01:30 → 02:30 Australia/Sydney (UTC+10:00))');
  });
});

describe('MessageRenderer, surges', () => {
  const renderer = new MessageRenderer(new RegionCatalog(), 'http://planner.test');
  const surge = EventExamples['surge.started'];
  const surgeEvent = <T extends 'surge.started' | 'surge.cleared'>(type: T, data: object) =>
    createEvent(type, { ...EventExamples[type], ...data } as never, { source: 'spec' }) as unknown as DeliveredEvent;

  it("says what surged by the surge's source, and links the holds of its region", () => {
    const alerted = renderer.render(surgeEvent('surge.started', { source: 'alert', metric: undefined, evidence: undefined, region: 'KE' }));
    expect(alerted.what).toBe('a firing alert');
    // The week page, which asks for a key: an API route opened from a chat answers 401.
    expect(alerted.link).toBe('http://planner.test/calendar?region=KE');
    expect(renderer.render(surgeEvent('surge.started', { source: 'declaration', metric: undefined, evidence: undefined })).what).toBe('a declared critical period');
    expect(renderer.render(surgeEvent('surge.started', {})).what).toBe(`traffic on ${surge.metric}`);
    expect(renderer.render(surgeEvent('surge.cleared', { metric: undefined })).what).toBe('a firing alert or a declared critical period');
  });
});

describe('MessageRenderer, a held window', () => {
  const renderer = new MessageRenderer(new RegionCatalog(), 'http://planner.test');
  const heldEvent = (data: object) => createEvent('window.held', { ...EventExamples['window.held'], ...data } as never, { source: 'spec' }) as unknown as DeliveredEvent;

  it("says why by the hold's reason, and links the window's page on the planner", () => {
    const held = renderer.render(heldEvent({}));
    expect(held.why).toBe(EventExamples['window.held'].holdReason);
    expect(held.link).toBe(`http://planner.test/calendar?window=${EventExamples['window.held'].windowId}`);
    const released = renderer.render(createEvent('window.released', EventExamples['window.released'], { source: 'spec' }) as unknown as DeliveredEvent);
    expect(released.why).toBe('Surge cleared and the 2-hour cool-down passed');
  });

  it('falls back to the hold by id for an event from a planner that sent no reason', () => {
    const { holdReason: _, ...older } = EventExamples['window.held'];
    expect(renderer.render(createEvent('window.held', older, { source: 'spec' }) as unknown as DeliveredEvent).why).toBe(`hold …${older.holdId.slice(-8)}`);
  });

  it("gives a release's local time in the zones its period is stated in, as a placement's, a region only the planner knows included", () => {
    // eu-west is configured on the planner, not in this catalog: without the period's zones the release read as UTC.
    const period = { region: 'eu-west', zone: 'Europe/Dublin', fromLocal: '2026-06-15T15:50', untilLocal: '2026-06-19T11:00', offset: '+01:00', untilOffset: '+01:00' };
    const released = renderer.render(createEvent('hold.released', { ...EventExamples['hold.released'], regions: ['eu-west'], periodLocalTimes: [period] }, { source: 'spec' }) as unknown as DeliveredEvent);
    expect(released.localTimes).toEqual([{ region: 'eu-west', zone: 'Europe/Dublin', text: 'released Fri 19 Jun 11:00 Europe/Dublin (UTC+01:00)' }]);
    // A planner that stated no period: each region's zone by the catalog, as before.
    const { periodLocalTimes: _, ...unstated } = EventExamples['hold.released'];
    expect(renderer.render(createEvent('hold.released', unstated, { source: 'spec' }) as unknown as DeliveredEvent).localTimes).toEqual([
      { region: 'IR', zone: 'Asia/Tehran', text: 'released Fri 19 Jun 13:30 Asia/Tehran (UTC+03:30)' },
    ]);
  });

  it("links a hold with no window to its region's page, or to every region's when it has several", () => {
    const placed = (regions: string[]) =>
      renderer.render(createEvent('hold.placed', { ...EventExamples['hold.placed'], regions, windowIds: [], windows: [] }, { source: 'spec' }) as unknown as DeliveredEvent).link;
    expect(placed(['IR'])).toBe('http://planner.test/calendar?region=IR');
    expect(placed(['IR', 'NP'])).toBe('http://planner.test/calendar');
  });
});
