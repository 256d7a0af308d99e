import { TopicEvents, Topics } from '@holdfast/contracts';

/** Every event type a subscription can ask for: all of the four topics the notifier consumes. */
export const NotifiableEventTypes = [
  ...TopicEvents[Topics.maintenanceHolds],
  ...TopicEvents[Topics.maintenanceWindows],
  ...TopicEvents[Topics.regionSurges],
  ...TopicEvents[Topics.regionSignals],
] as const;
export type NotifiableEventType = (typeof NotifiableEventTypes)[number];

/** An empty list matches everything; a non-empty one must share at least one value with the event. */
export interface SubscriptionFilters {
  eventTypes: NotifiableEventType[];
  regions: string[];
  teams: string[];
  /** Lower case: the subscription schema lowers them (and migration WindowIdFiltersLowerCase1768800100000 those taken before). */
  windowIds: string[];
}

/** What an event is about, as the filters see it. */
export interface EventFacts {
  type: string;
  /** 'global' for a window whose footprint is everywhere: it matches every region filter. */
  regions: string[] | 'global';
  teams: string[];
  /** Lower case, as the filters' are (factsOf). */
  windowIds: string[];
}

const shares = (wanted: readonly string[], present: readonly string[]): boolean => wanted.length === 0 || wanted.some((value) => present.includes(value));

export function matchesFilters(filters: SubscriptionFilters, facts: EventFacts): boolean {
  return (
    shares(filters.eventTypes, [facts.type]) &&
    (filters.regions.length === 0 || facts.regions === 'global' || shares(filters.regions, facts.regions)) &&
    shares(filters.teams, facts.teams) &&
    shares(filters.windowIds, facts.windowIds)
  );
}
