import { ManualClock } from '@holdfast/testing';
import { describe, expect, it } from 'vitest';
import { EventTimes } from './event-times';

describe('EventTimes', () => {
  it('reads the injected clock, and stamps what follows a signal event a millisecond later while the clock stands still', () => {
    const clock = new ManualClock('2026-06-14T21:16:00Z');
    const times = new EventTimes(clock);
    const stamped = [times.next(), times.signal(), times.next(), times.next(), times.signal(), times.next()];
    expect(stamped.map((time) => time.toISOString())).toEqual([
      '2026-06-14T21:16:00.000Z',
      '2026-06-14T21:16:00.000Z',
      '2026-06-14T21:16:00.001Z',
      '2026-06-14T21:16:00.001Z',
      // A second signal event comes no earlier than the events before it.
      '2026-06-14T21:16:00.001Z',
      '2026-06-14T21:16:00.002Z',
    ]);
    clock.advance(1_000);
    expect([times.next(), times.signal()].map((time) => time.toISOString())).toEqual(['2026-06-14T21:16:01.000Z', '2026-06-14T21:16:01.000Z']);
  });
});
