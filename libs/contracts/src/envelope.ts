import { z } from 'zod';
import { v7 as uuidv7 } from 'uuid';
import { ContractViolation, ContractViolationCode, describeIssues } from './contract-violation.exception';
import { dataSchemaOf, isEventType, type EventPayloads, type EventTypeOf } from './event-catalog';
import type { EventType } from './event-types';
import { InstantSchema } from './events/common.schema';
import { validatePayload, violationIn, type ValidationMode } from './payload-validation';
import { safeParseFast } from './schema-fast-path';
import type { TopicName } from './topics';

/** A CloudEvents 1.0 event whose `data` is the payload of its `type`. */
export interface HoldfastEvent<T extends EventType = EventType> {
  specversion: '1.0';
  /**
   * UUIDv7 (unique and ordered by creation time) for what Holdfast produces; an outside event's
   * id is a UUIDv5 derived from what identifies it (see outside-intake.ts).
   */
  id: string;
  type: T;
  /** The producing service, e.g. 'holdfast/impact-analyzer'. */
  source: string;
  /** ISO-8601 UTC instant of the occurrence. */
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  /** Versioned payload schema id, e.g. 'urn:holdfast:schema:traffic.sample:v1'. */
  dataschema: string;
  /** Shared by every event descending from one sample, alert or request. */
  correlationid: string;
  /** Id of the event that directly caused this one. */
  causationid?: string;
  data: EventPayloads[T];
}

/** A union with one member per type, so checking `type` narrows `data`. */
export type AnyHoldfastEvent = { [K in EventType]: HoldfastEvent<K> }[EventType];

/** An event that may travel on topic T, narrowed by `type`. */
export type HoldfastEventOn<T extends TopicName> = { [K in EventTypeOf<T>]: HoldfastEvent<K> }[EventTypeOf<T>];

export const EventIdSchema = z.uuid({ version: 'v7', error: 'must be a UUIDv7' });
const UUID_V7 = z.regexes.uuid(7);
/** EventIdSchema's check (zod's UUIDv7 pattern) as a test: a refusal costs zod an error object, and most outside ids are refused. */
export const isEventId = (id: string): boolean => UUID_V7.test(id);
export const EventSourceSchema = z.string().min(1, { error: 'must name the producing service' }).max(200);
/** Correlation ids may come from outside (an Alertmanager group key, a request id), so any short text. */
export const TraceIdSchema = z.string().min(1, { error: 'must not be empty' }).max(200);
export const SubjectSchema = z.string().min(1, { error: 'must not be empty' }).max(200);

export const EnvelopeSchema = z.strictObject({
  specversion: z.literal('1.0'),
  id: EventIdSchema,
  type: z.string(),
  source: EventSourceSchema,
  time: InstantSchema,
  subject: SubjectSchema.optional(),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string(),
  correlationid: TraceIdSchema,
  causationid: TraceIdSchema.optional(),
  data: z.unknown(),
});

export interface EventAttributes {
  id: string;
  type: string;
  source: string;
  time: string;
  subject?: string;
  dataschema: string;
  correlationid: string;
  causationid?: string;
}

/**
 * Checks what envelope shapes share: the type is known, `dataschema` is the version this build
 * speaks, and the payload matches. `name` says how the caller spells an attribute in its reasons.
 */
export function assembleEvent(
  attributes: EventAttributes,
  data: unknown,
  mode: ValidationMode,
  name: (attribute: 'type' | 'dataschema') => string,
): AnyHoldfastEvent {
  const { type } = attributes;
  if (!isEventType(type)) {
    throw violationIn(mode, ContractViolationCode.UnknownEventType, `${name('type')} "${type}" is not a Holdfast event type`);
  }
  const expectedSchema = dataSchemaOf(type);
  if (attributes.dataschema !== expectedSchema) {
    throw violationIn(
      mode,
      ContractViolationCode.SchemaMismatch,
      `${name('dataschema')} "${attributes.dataschema}" does not match ${type}: this build reads "${expectedSchema}"`,
    );
  }
  // Built field by field in the envelope's order rather than with spreads of optional parts: every consumed event goes through here.
  const event: Partial<HoldfastEvent> = { specversion: '1.0', id: attributes.id, type, source: attributes.source, time: attributes.time };
  if (attributes.subject !== undefined) event.subject = attributes.subject;
  event.datacontenttype = 'application/json';
  event.dataschema = expectedSchema;
  event.correlationid = attributes.correlationid;
  if (attributes.causationid !== undefined) event.causationid = attributes.causationid;
  event.data = validatePayload(type, data, mode);
  return event as AnyHoldfastEvent;
}

/** Validates a whole structured event (for example one read back from an outbox row) strictly. */
export function validateEvent(value: unknown): AnyHoldfastEvent {
  const result = safeParseFast(EnvelopeSchema, value);
  if (!result.success) {
    throw new ContractViolation(ContractViolationCode.InvalidEnvelope, describeIssues(result.error.issues, value, 'event', 'event attribute'));
  }
  const { data, ...attributes } = result.data;
  return assembleEvent(attributes, data, 'produce', (attribute) => `event attribute ${attribute}`);
}

export interface CreateEventOptions {
  source: string;
  subject?: string;
  /** Defaults to the new event's id: the event starts a new chain. */
  correlationId?: string;
  causationId?: string;
  id?: string;
  time?: Date;
}

// Events createEvent built, validated and frozen: encoding them again need not validate them again.
const createdEvents = new WeakSet<object>();

/** Whether `event` came from createEvent unchanged (it is frozen), so it is valid as it stands. */
export const isCreatedEvent = (event: object): boolean => createdEvents.has(event);

function freezeDeep<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) freezeDeep(inner);
  }
  return value;
}

/** Builds a valid event, frozen, or throws ContractViolation naming the bad field. */
export function createEvent<T extends EventType>(type: T, data: EventPayloads[T], options: CreateEventOptions): HoldfastEvent<T> {
  const id = options.id ?? uuidv7();
  const time = options.time ?? new Date();
  if (Number.isNaN(time.getTime())) {
    throw new ContractViolation(ContractViolationCode.InvalidEnvelope, 'event attribute time: must be a valid date');
  }
  const event = validateEvent({
    specversion: '1.0',
    id,
    type,
    source: options.source,
    time: time.toISOString(),
    subject: options.subject,
    datacontenttype: 'application/json',
    dataschema: dataSchemaOf(type),
    correlationid: options.correlationId ?? id,
    causationid: options.causationId,
    data,
  }) as HoldfastEvent<T>;
  createdEvents.add(freezeDeep(event));
  return event;
}

/** Options for an event caused by `cause`: same correlation chain, `cause` as the direct cause. */
export const causedBy = (cause: HoldfastEvent): { correlationId: string; causationId: string } => ({
  correlationId: cause.correlationid,
  causationId: cause.id,
});

export const isEventOfType = <T extends EventType>(event: HoldfastEvent, type: T): event is HoldfastEvent<T> => event.type === type;

/** Handlers for the events of topic T; a handler for the wrong payload does not compile. */
export type EventHandlers<T extends TopicName> = {
  [K in EventTypeOf<T>]?: (event: HoldfastEvent<K>) => Promise<void>;
};

/** Calls the handler for the event's type; resolves false when the handlers do not cover it. */
export async function dispatchEvent<T extends TopicName>(handlers: EventHandlers<T>, event: HoldfastEventOn<T>): Promise<boolean> {
  const handler = handlers[event.type as EventTypeOf<T>] as ((event: HoldfastEventOn<T>) => Promise<void>) | undefined;
  if (handler === undefined) return false;
  await handler(event);
  return true;
}
