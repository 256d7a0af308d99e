export * from './topics';
export * from './coded-error';
export { BidiSafeText, bidiControlRefusal, withoutBidiControls } from './bidi-controls';
export * from './consumer-groups';
export * from './event-types';
export * from './event-catalog';
export * from './events/common.schema';
export * from './events/traffic-sample.v1';
export * from './events/region-baseline.v1';
export * from './events/signal-lost.v1';
export * from './events/signal-restored.v1';
export * from './events/surge-state.v1';
export * from './events/surge-started.v1';
export * from './events/surge-updated.v1';
export * from './events/surge-cleared.v1';
export * from './events/window-snapshot.v1';
export * from './events/window-scheduled.v1';
export * from './events/window-updated.v1';
export * from './events/window-held.v1';
export * from './events/window-released.v1';
export * from './events/window-rescheduled.v1';
export * from './events/window-cancelled.v1';
export * from './events/window-started.v1';
export * from './events/window-completed.v1';
export * from './events/hold-placed.v1';
export * from './events/hold-released.v1';
export * from './events/hold-overridden.v1';
export * from './events/api-key-state.v1';
export { ContractViolation, ContractViolationCode } from './contract-violation.exception';
export { validatePayload, type ValidationMode } from './payload-validation';
export {
  EventIdSchema,
  causedBy,
  createEvent,
  dispatchEvent,
  isEventOfType,
  validateEvent,
  type AnyHoldfastEvent,
  type CreateEventOptions,
  type EventHandlers,
  type HoldfastEvent,
  type HoldfastEventOn,
} from './envelope';
export { KafkaHeadersSchema, decodeEvent, encodeEvent, encodeEventEnvelope, kafkaHeadersSchemaOf, type EncodedMessage, type WireMessage } from './kafka-codec';
export { EventExamples } from './event-examples';
export { HeaderReader, headerText, headerTexts, type HeaderReading } from './header-reader';
export {
  OUTSIDE_EVENT_NAMESPACE,
  OutsideRegionCodeSchema,
  OutsideTimeSchema,
  OutsideTrafficSampleSchema,
  bareSourceOf,
  decodeOutsideEvent,
  outsideEventId,
  outsideFormOf,
  inContractForm,
  parseOutsidePayload,
  type OutsideForm,
} from './outside-intake';
export * from './issue-wording';
export { answersMethod, HttpServices, routesServing, type HttpMethod, type HttpRoute, type HttpService, type HttpServiceName } from './http-routes';
