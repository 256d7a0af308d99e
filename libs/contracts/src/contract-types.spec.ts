import { describe, expect, it } from 'vitest';
import { createEvent, type EventHandlers, type HoldfastEvent, type HoldfastEventOn } from './envelope';
import { keyOf, type EventTypeOf } from './event-catalog';
import { EventExamples } from './event-examples';
import type { EventType } from './event-types';
import { decodeEvent, type WireMessage } from './kafka-codec';
import type { TopicName } from './topics';

// SWC strips types, so these specs prove nothing at run time: `npm run typecheck` fails when an
// expected error below disappears, that is when a wrong payload starts to compile.
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const assertType = <T extends true>(): T | undefined => undefined;

const source = 'holdfast/test';

describe('compile-time contract', () => {
  it('refuses to create an event with the payload of another type', () => {
    // @ts-expect-error a traffic sample is not a surge
    expect(() => createEvent('surge.started', EventExamples['traffic.sample'], { source })).toThrow();
    // @ts-expect-error severity is one of minor, major, critical
    expect(() => createEvent('surge.started', { ...EventExamples['surge.started'], severity: 'apocalyptic' }, { source })).toThrow();
    // @ts-expect-error a held window carries the id of its hold
    expect(() => createEvent('window.held', EventExamples['window.scheduled'], { source })).toThrow();
    // @ts-expect-error not an event type
    expect(() => createEvent('surge.exploded', EventExamples['surge.started'], { source })).toThrow();
  });

  it('refuses keys computed from the wrong payload', () => {
    // @ts-expect-error a baseline key needs a baseline
    expect(() => keyOf('region.baseline', EventExamples['hold.placed'])).not.toThrow();
  });

  it('types handlers from the topic map', () => {
    const handlers: EventHandlers<'maintenance.holds.v1'> = {
      'hold.placed': async (_event) => {
        assertType<Equals<typeof _event.data.windowIds, string[]>>();
      },
      // @ts-expect-error a window event does not travel on the holds topic
      'window.held': async () => undefined,
    };
    const wrongPayload: EventHandlers<'region.surges.v1'> = {
      // @ts-expect-error the handler expects a surge.cleared event, not a surge.started one
      'surge.cleared': async (event: HoldfastEvent<'surge.started'>) => void event.data.evidence,
    };
    expect(Object.keys(handlers)).toEqual(['hold.placed', 'window.held']);
    expect(Object.keys(wrongPayload)).toEqual(['surge.cleared']);
  });

  it('narrows a decoded event by its type', () => {
    const decode = (message: WireMessage) => {
      const event = decodeEvent('region.surges.v1', message);
      assertType<Equals<typeof event, HoldfastEventOn<'region.surges.v1'>>>();
      if (event.type === 'surge.cleared') return event.data.clearedAt;
      // @ts-expect-error only surge.cleared carries clearedAt
      return event.data.clearedAt;
    };
    expect(typeof decode).toBe('function');
  });

  it('covers every event type with exactly the topics', () => {
    assertType<Equals<EventTypeOf<TopicName>, EventType>>();
    assertType<Equals<EventTypeOf<'region.surges.v1'>, 'surge.started' | 'surge.updated' | 'surge.cleared'>>();
  });
});
