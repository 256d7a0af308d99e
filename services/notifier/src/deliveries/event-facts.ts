import type { AnyHoldfastEvent, HoldWindow, RegionLocalTime, TimeRange, WindowSnapshot } from '@holdfast/contracts';
import type { EventFacts } from '../subscriptions/subscription-filters';

/** The windows a hold event carries (the planner's `windows`, or an override's `window`): title, owner team, occurrences with local times. */
export function heldWindowsOf(data: { windows?: HoldWindow[]; window?: HoldWindow }): HoldWindow[] {
  return data.windows ?? (data.window ? [data.window] : []);
}

/** One run of a window: its times and, when the event carries them, their local times. */
export interface WindowRun extends TimeRange {
  localTimes?: RegionLocalTime[];
}

/**
 * The run a window event is about: `occurrence` (started, completed), else the first of
 * `occurrences`, else the window's own times. Those are its first run (DTSTART) for a recurring
 * window, so they are only the fallback.
 */
export function windowRunOf(window: WindowSnapshot & { occurrence?: TimeRange }): WindowRun {
  const { occurrence } = window;
  if (occurrence) {
    const listed = window.occurrences?.find((run) => Date.parse(run.startsAt) === Date.parse(occurrence.startsAt));
    return { startsAt: occurrence.startsAt, endsAt: occurrence.endsAt, localTimes: listed?.localTimes };
  }
  const [first] = window.occurrences ?? [];
  if (first) return { startsAt: first.startsAt, endsAt: first.endsAt, localTimes: first.localTimes };
  return { startsAt: window.startsAt, endsAt: window.endsAt, localTimes: window.localTimes };
}

/** What the filters match on (window ids in lower case, as the filters keep them), and the key whose order a subscription must see kept. */
export function factsOf(event: AnyHoldfastEvent): EventFacts & { orderingKey: string } {
  const facts = factsAsSent(event);
  // The contract takes a UUID in either case; the filters' are lower case.
  return { ...facts, windowIds: facts.windowIds.map((id) => id.toLowerCase()) };
}

function factsAsSent(event: AnyHoldfastEvent): EventFacts & { orderingKey: string } {
  switch (event.type) {
    case 'hold.placed':
    case 'hold.released':
    case 'hold.overridden': {
      const held = heldWindowsOf(event.data);
      const windowIds = event.type === 'hold.overridden' ? [event.data.windowId] : event.data.windowIds;
      return {
        type: event.type,
        regions: event.data.regions,
        teams: [...new Set(held.map((window) => window.ownerTeam))],
        windowIds: [...new Set([...windowIds, ...held.map((window) => window.windowId), ...('notifyOnlyWindowIds' in event.data ? (event.data.notifyOnlyWindowIds ?? []) : [])])],
        orderingKey: `hold:${event.data.holdId}`,
      };
    }
    case 'surge.started':
    case 'surge.updated':
    case 'surge.cleared':
      return { type: event.type, regions: [event.data.region], teams: [], windowIds: [], orderingKey: `surge:${event.data.surgeId}` };
    case 'signal.lost':
    case 'signal.restored':
      return { type: event.type, regions: [event.data.region], teams: [], windowIds: [], orderingKey: `signal:${event.data.region}/${event.data.metric}` };
    case 'traffic.sample':
    case 'region.baseline':
    case 'api-key.state':
      throw new Error(`${event.type} is not consumed by the notifier`);
    default:
      return {
        type: event.type,
        regions: event.data.footprint.global ? 'global' : event.data.footprint.regions,
        teams: [event.data.ownerTeam],
        windowIds: [event.data.windowId],
        orderingKey: `window:${event.data.windowId}`,
      };
  }
}
