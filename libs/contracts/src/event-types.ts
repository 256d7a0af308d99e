/**
 * CloudEvents `type` values. DO NOT CHANGE THE VALUES: they are wire identifiers. The payload
 * version lives in `dataschema`, so a v2 payload keeps its type and gets a new schema id.
 */
export const EventTypes = {
  trafficSample: 'traffic.sample',
  regionBaseline: 'region.baseline',
  surgeStarted: 'surge.started',
  surgeUpdated: 'surge.updated',
  surgeCleared: 'surge.cleared',
  signalLost: 'signal.lost',
  signalRestored: 'signal.restored',
  windowScheduled: 'window.scheduled',
  windowUpdated: 'window.updated',
  windowHeld: 'window.held',
  windowReleased: 'window.released',
  windowRescheduled: 'window.rescheduled',
  windowCancelled: 'window.cancelled',
  windowStarted: 'window.started',
  windowCompleted: 'window.completed',
  holdPlaced: 'hold.placed',
  holdReleased: 'hold.released',
  holdOverridden: 'hold.overridden',
  apiKeyState: 'api-key.state',
} as const;
export type EventType = (typeof EventTypes)[keyof typeof EventTypes];
