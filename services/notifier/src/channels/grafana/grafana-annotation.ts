import type { AnyHoldfastEvent } from '@holdfast/contracts';
import type { DeliveredEvent } from '../../deliveries/delivery.entity';
import { windowRunOf } from '../../deliveries/event-facts';
import type { NotificationMessage } from '../notification-message';

/** The body of Grafana's POST /api/annotations: epoch milliseconds, tags, text. */
export interface GrafanaAnnotation {
  time: number;
  timeEnd?: number;
  tags: string[];
  text: string;
}

/**
 * Tags a dashboard filters on: holdfast, the event kind, region:/team:/window:/hold: values, and
 * subscription:<id>, so subscriptions writing to one Grafana organisation each keep their own
 * annotations (a dashboard per subscription, and each finds only its own hold's annotation).
 */
export function annotationTags(kind: string, message: NotificationMessage, subscriptionId: string): string[] {
  return [
    'holdfast',
    kind,
    ...message.regions.map((region) => `region:${region}`),
    ...message.teams.map((team) => `team:${team}`),
    ...message.windowIds.map((windowId) => `window:${windowId}`),
    ...(message.holdId ? [`hold:${message.holdId}`] : []),
    subscriptionTag(subscriptionId),
  ];
}

export const subscriptionTag = (subscriptionId: string): string => `subscription:${subscriptionId}`;

export const annotationText = (message: NotificationMessage): string => `${message.title}: ${message.why} (${message.until}). ${message.link}`;

/** The span an event covers on a panel: a hold from its start (to its end when known), a window over the run the event is about, others a point. */
export function annotationSpan(delivered: DeliveredEvent): { time: number; timeEnd?: number } {
  const event = delivered as unknown as AnyHoldfastEvent;
  switch (event.type) {
    case 'hold.placed':
      return { time: Date.parse(event.data.from), ...(event.data.until ? { timeEnd: Date.parse(event.data.until) } : {}) };
    case 'hold.released':
      return { time: Date.parse(event.data.releasedAt) };
    case 'hold.overridden':
      return { time: Date.parse(event.data.overriddenAt) };
    case 'surge.started':
    case 'surge.updated':
      return { time: Date.parse(event.data.startedAt) };
    case 'surge.cleared':
      return { time: Date.parse(event.data.clearedAt) };
    case 'signal.lost':
      return { time: Date.parse(event.data.lastSampleAt), timeEnd: Date.parse(event.data.lostAt) };
    case 'signal.restored':
      // A late first sample may come before lostAt: the span never ends before it starts.
      return { time: Math.min(Date.parse(event.data.lostAt), Date.parse(event.data.restoredAt)), timeEnd: Date.parse(event.data.restoredAt) };
    case 'window.scheduled':
    case 'window.updated':
    case 'window.held':
    case 'window.released':
    case 'window.rescheduled':
    case 'window.cancelled':
    case 'window.started':
    case 'window.completed': {
      const run = windowRunOf(event.data);
      return { time: Date.parse(run.startsAt), timeEnd: Date.parse(run.endsAt) };
    }
    default:
      return { time: Date.parse(delivered.time) };
  }
}
