import { z } from 'zod';
import { ContractViolation, ContractViolationCode, describeIssues, inputViolation, isMissing } from './contract-violation.exception';
import { TopicEvents, dataSchemaOf, isEventType, keyOf, topicOfEvent, type EventPayloads } from './event-catalog';
import type { EventType } from './event-types';
import {
  EventIdSchema,
  EventSourceSchema,
  SubjectSchema,
  TraceIdSchema,
  assembleEvent,
  isCreatedEvent,
  validateEvent,
  type AnyHoldfastEvent,
  type HoldfastEvent,
  type HoldfastEventOn,
} from './envelope';
import { InstantSchema } from './events/common.schema';
import { HeaderReader, PRODUCER_HEADERS } from './header-reader';
import { decodeOutsideEvent } from './outside-intake';
import { TopicSpecs, Topics, type TopicName } from './topics';

/** A Kafka message as any client hands it over (kafkajs's shape, without depending on kafkajs). */
export interface WireMessage {
  key: string | Buffer | null;
  value: Buffer | null;
  /** kafkajs gives a repeated header as a list: its first value counts. */
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  /** Where the message sits and its Kafka timestamp (epoch milliseconds): what identifies an outside event that carries no id or time. */
  partition?: number;
  offset?: string;
  timestamp?: string;
}

export interface EncodedMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * CloudEvents Kafka protocol binding, binary mode: attributes travel as ce_* headers, the body is
 * the JSON payload. Loose: tracing and dead-letter headers may ride along.
 */
export const KafkaHeadersSchema = z.looseObject({
  ce_specversion: z.literal('1.0'),
  ce_id: EventIdSchema,
  ce_type: z.string().min(1),
  ce_source: EventSourceSchema,
  ce_time: InstantSchema,
  ce_subject: SubjectSchema.optional(),
  ce_dataschema: z.string().min(1),
  ce_correlationid: TraceIdSchema,
  ce_causationid: TraceIdSchema.optional(),
  'content-type': z.string().regex(/^application\/json\s*(?:;.*)?$/i, { error: 'must be application/json' }),
});

/** The header schema one event type travels with (ce_type and ce_dataschema pinned). */
export const kafkaHeadersSchemaOf = (type: EventType) =>
  KafkaHeadersSchema.extend({ ce_type: z.literal(type), ce_dataschema: z.literal(dataSchemaOf(type)) });

const keyOfEvent = (event: AnyHoldfastEvent): string =>
  keyOf(event.type, event.data as EventPayloads[typeof event.type]);

/** Validates the event (strictly: this is the produce side) and lays it out for Kafka. */
export function encodeEvent(event: HoldfastEvent): EncodedMessage {
  const { valid, key, headers } = envelopeOf(event);
  return { key, value: Buffer.from(JSON.stringify(valid.data)), headers };
}

/** What encodeEvent lays out besides the payload, for a writer that keeps the payload as JSON itself (the outbox). */
export function encodeEventEnvelope(event: HoldfastEvent): Omit<EncodedMessage, 'value'> {
  const { key, headers } = envelopeOf(event);
  return { key, headers };
}

/** An event createEvent built is valid as it stands (it is frozen); any other is validated here. */
function envelopeOf(event: HoldfastEvent): { valid: AnyHoldfastEvent; key: string; headers: Record<string, string> } {
  const valid = isCreatedEvent(event) ? (event as AnyHoldfastEvent) : validateEvent(event);
  const headers: Record<string, string> = {
    ce_specversion: valid.specversion,
    ce_id: valid.id,
    ce_type: valid.type,
    ce_source: valid.source,
    ce_time: valid.time,
    ce_dataschema: valid.dataschema,
    ce_correlationid: valid.correlationid,
    'content-type': valid.datacontenttype,
  };
  if (valid.subject !== undefined) headers.ce_subject = valid.subject;
  if (valid.causationid !== undefined) headers.ce_causationid = valid.causationid;
  return { valid, key: keyOfEvent(valid), headers };
}

const topicNames = new Set<string>(Object.values(Topics));
const isTopicName = (topic: string): topic is TopicName => topicNames.has(topic);

const text = (value: Buffer | string | undefined): string | undefined => (Buffer.isBuffer(value) ? value.toString('utf8') : value);

/**
 * Turns a message read from `topic` (the logical name, without any test prefix) back into an
 * event, or throws ContractViolation naming the header or payload field at fault. A topic with
 * `externalProducers` also takes the forms outside pipelines send (outside-intake.ts); give such
 * messages their partition, offset and timestamp.
 */
export function decodeEvent<T extends TopicName>(topic: T, message: WireMessage): HoldfastEventOn<T>;
export function decodeEvent(topic: string, message: WireMessage): AnyHoldfastEvent;
export function decodeEvent(topic: string, message: WireMessage): AnyHoldfastEvent {
  if (!isTopicName(topic)) {
    throw new ContractViolation(ContractViolationCode.UnknownTopic, `topic "${topic}" is not a Holdfast topic`);
  }
  const fromOutside = TopicSpecs[topic].externalProducers;
  const event = fromOutside ? decodeOutsideEvent(topic, message) : decodeBinaryEvent(topic, message);
  const expectedKey = keyOfEvent(event);
  const key = message.key === null ? null : text(message.key);
  // Outside producers often send no key; a key that is there must still be the right one, or order breaks.
  if (key !== expectedKey && !(fromOutside && key === null)) {
    throw inputViolation(
      ContractViolationCode.WrongKey,
      `message key ${key === null ? 'is missing' : `"${key}" is wrong`}: ${topic} is keyed by ${TopicSpecs[topic].key}, so this ${event.type} event needs "${expectedKey}"`,
      event,
    );
  }
  return event;
}

// One per process: its services' events mostly come from a few producers, so most headers repeat (see HeaderReader).
const holdfastHeaders = new HeaderReader(KafkaHeadersSchema, PRODUCER_HEADERS);

/** What Holdfast produces: CloudEvents binary mode with every attribute Holdfast sets, strictly checked. */
function decodeBinaryEvent(topic: TopicName, message: WireMessage): AnyHoldfastEvent {
  const parsed = holdfastHeaders.read(message.headers);
  if (!parsed.success) {
    const code = parsed.error.issues.some((issue) => isMissing(issue, parsed.texts)) ? ContractViolationCode.MissingHeader : ContractViolationCode.InvalidHeader;
    throw inputViolation(code, describeIssues(parsed.error.issues, parsed.texts, 'headers', 'header'));
  }
  const headers = parsed.data as z.output<typeof KafkaHeadersSchema>;

  const allowed: readonly string[] = TopicEvents[topic];
  // An unknown type is reported by assembleEvent; a known one on the wrong topic is reported here.
  if (isEventType(headers.ce_type) && !allowed.includes(headers.ce_type)) {
    throw inputViolation(
      ContractViolationCode.WrongTopic,
      `header ce_type "${headers.ce_type}" does not travel on topic ${topic}, which carries ${allowed.join(', ')}; it belongs on ${topicOfEvent(headers.ce_type)}`,
    );
  }

  if (message.value === null) {
    throw inputViolation(ContractViolationCode.InvalidBody, 'message body is empty (tombstones are not events)');
  }
  let data: unknown;
  try {
    data = JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    throw inputViolation(ContractViolationCode.InvalidBody, `message body is not JSON: ${(error as Error).message}`);
  }

  return assembleEvent(
    {
      id: headers.ce_id,
      type: headers.ce_type,
      source: headers.ce_source,
      time: headers.ce_time,
      subject: headers.ce_subject,
      dataschema: headers.ce_dataschema,
      correlationid: headers.ce_correlationid,
      causationid: headers.ce_causationid,
    },
    data,
    'consume',
    (attribute) => `header ce_${attribute}`,
  );
}
