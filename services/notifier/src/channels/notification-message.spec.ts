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

  it('falls back to the window’s own times when the event names no run', () => {
    expect(renderer.render(delivered('window.scheduled', {})).until).toBe('runs Mon 1 Jun 17:00 UTC');
  });
});
