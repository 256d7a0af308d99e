import type { z } from 'zod';
import { EventTypes, type EventType } from './event-types';
import { ApiKeyStateSchema, type ApiKeyState } from './events/api-key-state.v1';
import { HoldOverriddenSchema, type HoldOverridden } from './events/hold-overridden.v1';
import { HoldPlacedSchema, type HoldPlaced } from './events/hold-placed.v1';
import { HoldReleasedSchema, type HoldReleased } from './events/hold-released.v1';
import { RegionBaselineSchema, type RegionBaseline } from './events/region-baseline.v1';
import { SignalLostSchema, type SignalLost } from './events/signal-lost.v1';
import { SignalRestoredSchema, type SignalRestored } from './events/signal-restored.v1';
import { SurgeClearedSchema, type SurgeCleared } from './events/surge-cleared.v1';
import { SurgeStartedSchema, type SurgeStarted } from './events/surge-started.v1';
import { SurgeUpdatedSchema, type SurgeUpdated } from './events/surge-updated.v1';
import { TrafficSampleSchema, type TrafficSample } from './events/traffic-sample.v1';
import { WindowCancelledSchema, type WindowCancelled } from './events/window-cancelled.v1';
import { WindowCompletedSchema, type WindowCompleted } from './events/window-completed.v1';
import { WindowHeldSchema, type WindowHeld } from './events/window-held.v1';
import { WindowReleasedSchema, type WindowReleased } from './events/window-released.v1';
import { WindowRescheduledSchema, type WindowRescheduled } from './events/window-rescheduled.v1';
import { WindowScheduledSchema, type WindowScheduled } from './events/window-scheduled.v1';
import { WindowStartedSchema, type WindowStarted } from './events/window-started.v1';
import { WindowUpdatedSchema, type WindowUpdated } from './events/window-updated.v1';
import { Topics, type TopicName } from './topics';

/** The one map from event type to payload: producers, consumers and handlers are all typed from it. */
export interface EventPayloads {
  'traffic.sample': TrafficSample;
  'region.baseline': RegionBaseline;
  'surge.started': SurgeStarted;
  'surge.updated': SurgeUpdated;
  'surge.cleared': SurgeCleared;
  'signal.lost': SignalLost;
  'signal.restored': SignalRestored;
  'window.scheduled': WindowScheduled;
  'window.updated': WindowUpdated;
  'window.held': WindowHeld;
  'window.released': WindowReleased;
  'window.rescheduled': WindowRescheduled;
  'window.cancelled': WindowCancelled;
  'window.started': WindowStarted;
  'window.completed': WindowCompleted;
  'hold.placed': HoldPlaced;
  'hold.released': HoldReleased;
  'hold.overridden': HoldOverridden;
  'api-key.state': ApiKeyState;
}

export const EventSchemas: { readonly [K in EventType]: z.ZodType<EventPayloads[K]> } = {
  'traffic.sample': TrafficSampleSchema,
  'region.baseline': RegionBaselineSchema,
  'surge.started': SurgeStartedSchema,
  'surge.updated': SurgeUpdatedSchema,
  'surge.cleared': SurgeClearedSchema,
  'signal.lost': SignalLostSchema,
  'signal.restored': SignalRestoredSchema,
  'window.scheduled': WindowScheduledSchema,
  'window.updated': WindowUpdatedSchema,
  'window.held': WindowHeldSchema,
  'window.released': WindowReleasedSchema,
  'window.rescheduled': WindowRescheduledSchema,
  'window.cancelled': WindowCancelledSchema,
  'window.started': WindowStartedSchema,
  'window.completed': WindowCompletedSchema,
  'hold.placed': HoldPlacedSchema,
  'hold.released': HoldReleasedSchema,
  'hold.overridden': HoldOverriddenSchema,
  'api-key.state': ApiKeyStateSchema,
};

/** Payload version per event type; it is part of `dataschema`. Raise it only with a new schema file. */
export const EventVersions: { readonly [K in EventType]: number } = {
  'traffic.sample': 1,
  'region.baseline': 1,
  'surge.started': 1,
  'surge.updated': 1,
  'surge.cleared': 1,
  'signal.lost': 1,
  'signal.restored': 1,
  'window.scheduled': 1,
  'window.updated': 1,
  'window.held': 1,
  'window.released': 1,
  'window.rescheduled': 1,
  'window.cancelled': 1,
  'window.started': 1,
  'window.completed': 1,
  'hold.placed': 1,
  'hold.released': 1,
  'hold.overridden': 1,
  'api-key.state': 1,
};

// Built once: every decoded event compares against its type's, and a string built per call is compared slowly too.
const DataSchemas = new Map((Object.keys(EventVersions) as EventType[]).map((type) => [type, `urn:holdfast:schema:${type}:v${EventVersions[type]}`]));

/** The CloudEvents `dataschema` of a type, e.g. 'urn:holdfast:schema:traffic.sample:v1'. */
export const dataSchemaOf = (type: EventType): string => DataSchemas.get(type)!;

export const TopicEvents = {
  [Topics.trafficSamples]: [EventTypes.trafficSample],
  [Topics.regionBaselines]: [EventTypes.regionBaseline],
  [Topics.regionSurges]: [EventTypes.surgeStarted, EventTypes.surgeUpdated, EventTypes.surgeCleared],
  [Topics.regionSignals]: [EventTypes.signalLost, EventTypes.signalRestored],
  [Topics.maintenanceWindows]: [
    EventTypes.windowScheduled,
    EventTypes.windowUpdated,
    EventTypes.windowHeld,
    EventTypes.windowReleased,
    EventTypes.windowRescheduled,
    EventTypes.windowCancelled,
    EventTypes.windowStarted,
    EventTypes.windowCompleted,
  ],
  [Topics.maintenanceHolds]: [EventTypes.holdPlaced, EventTypes.holdReleased, EventTypes.holdOverridden],
  [Topics.apiKeys]: [EventTypes.apiKeyState],
} as const satisfies { readonly [T in TopicName]: readonly EventType[] };

/** The event types allowed on topic T. */
export type EventTypeOf<T extends TopicName> = (typeof TopicEvents)[T][number];

const topicByEvent = new Map<string, TopicName>(
  (Object.keys(TopicEvents) as TopicName[]).flatMap((topic) => TopicEvents[topic].map((type) => [type, topic] as const)),
);

export const isEventType = (value: string): value is EventType => topicByEvent.has(value);

export const topicOfEvent = (type: EventType): TopicName => {
  const topic = topicByEvent.get(type);
  if (topic === undefined) throw new Error(`event type ${type} travels on no topic`);
  return topic;
};

// A hold's regions are fixed when it is placed and every hold event repeats them; the lowest code (in
// code-point order, never the locale's) keys all of them, so one hold keeps one partition and its order.
const holdKey = (regions: readonly string[]): string => [...regions].sort()[0];

const EventKeys: { readonly [K in EventType]: (data: EventPayloads[K]) => string } = {
  'traffic.sample': (data) => data.region,
  'region.baseline': (data) => `${data.region}/${data.metric}`,
  'surge.started': (data) => data.region,
  'surge.updated': (data) => data.region,
  'surge.cleared': (data) => data.region,
  'signal.lost': (data) => data.region,
  'signal.restored': (data) => data.region,
  'window.scheduled': (data) => data.windowId,
  'window.updated': (data) => data.windowId,
  'window.held': (data) => data.windowId,
  'window.released': (data) => data.windowId,
  'window.rescheduled': (data) => data.windowId,
  'window.cancelled': (data) => data.windowId,
  'window.started': (data) => data.windowId,
  'window.completed': (data) => data.windowId,
  'hold.placed': (data) => holdKey(data.regions),
  'hold.released': (data) => holdKey(data.regions),
  'hold.overridden': (data) => holdKey(data.regions),
  'api-key.state': (data) => data.keyId,
};

/** The Kafka message key: region, region/metric or window id, per the topic table in DESIGN.md. */
export function keyOf<T extends EventType>(type: T, data: EventPayloads[T]): string {
  return (EventKeys[type] as (payload: EventPayloads[T]) => string)(data);
}
