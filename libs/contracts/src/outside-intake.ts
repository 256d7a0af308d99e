import { z } from 'zod';
import { ContractViolation, ContractViolationCode, describeIssues, inputViolation, isMissing } from './contract-violation.exception';
import { EventSchemas, TopicEvents, dataSchemaOf, isEventType, topicOfEvent, type EventPayloads } from './event-catalog';
import type { EventType } from './event-types';
import { AnyCaseRegionCodeSchema, localTimeRefusal } from './events/common.schema';
import { TrafficSampleSchema } from './events/traffic-sample.v1';
import { EventSourceSchema, SubjectSchema, TraceIdSchema, assembleEvent, isEventId, type AnyHoldfastEvent } from './envelope';
import { HeaderReader, PRODUCER_HEADERS, firstHeaderValue, sameBytes } from './header-reader';
import type { WireMessage } from './kafka-codec';
import { nameBasedIds } from './name-based-id';
import { describePayloadIssues } from './payload-validation';
import { safeParseFast } from './schema-fast-path';
import { TopicSpecs, type TopicName } from './topics';

/**
 * The namespace of the UUIDv5 ids given to events from outside producers. DO NOT CHANGE: the
 * processed-event ledger holds ids derived from it, so a new value would apply redeliveries again.
 */
export const OUTSIDE_EVENT_NAMESPACE = '6f1c9a52-3d4b-4e8f-9a17-5b2c0d8e7f31';
const outsideIdOf = nameBasedIds(OUTSIDE_EVENT_NAMESPACE);

/** How an outside event arrived: CloudEvents binary or structured mode, or a bare JSON payload. */
export type OutsideForm = 'binary' | 'structured' | 'bare';

/**
 * Whether the UTC instant of an RFC 3339 time falls within the years 0001-9999, as an instant
 * Holdfast keeps must (InstantSchema): an offset can carry 0001-01-01 back into year 0000 or
 * 9999-12-31 on into an extended year (+010000-01-01T00:30:00.000Z). Only year 0000 and those two
 * days can end outside, so the rest skip Date.
 */
function staysWithinKeptYears(time: string): boolean {
  if (!time.startsWith('0000') && !time.startsWith('0001-01-01') && !time.startsWith('9999-12-31')) return true;
  const year = new Date(time.toUpperCase()).getUTCFullYear();
  // Not a timestamp at all: the format check says so.
  return Number.isNaN(year) || (year >= 1 && year <= 9999);
}

// RFC 3339 (section 5.6, its NOTE) lets T and Z be written in lower case; zod's datetime pattern takes upper case only.
const RFC_3339_TIME = new RegExp(z.iso.datetime({ offset: true })._zod.def.pattern!.source.replace('T(?:', '[Tt](?:').replace('(?:Z|', '(?:[Zz]|'));

const outsideTimeError = (issue: { input?: unknown }): string | undefined =>
  // A missing time is left to the caller's error map, which says it is missing.
  issue.input === undefined
    ? undefined
    : (localTimeRefusal(issue.input) ?? 'must be an RFC 3339 (ISO 8601) instant in UTC (Z) or with an offset, such as 2026-06-14T21:00:00Z or 2026-06-15T00:30:00+03:30');

// CloudEvents allows any RFC 3339 offset; Holdfast keeps UTC instants, so an offset is converted.
export const OutsideTimeSchema = z
  .string({ error: outsideTimeError })
  .regex(RFC_3339_TIME, { error: outsideTimeError })
  .refine(staysWithinKeptYears, { error: 'must fall within the years 0001-9999 once converted to UTC' })
  .meta({
    format: 'date-time',
    description: 'RFC 3339 timestamp, in UTC (trailing Z) or with an offset, which is converted to UTC; T and Z in either case.',
    examples: ['2026-06-14T21:00:00Z', '2026-06-15T00:30:00+03:30'],
  });
// As the intake takes it (inContractForm): a country code in any case, kept in upper case.
export const OutsideRegionCodeSchema = AnyCaseRegionCodeSchema;
// DESIGN.md section 4: any non-empty id. It is recorded hashed (outsideEventId), so its length bounds nothing Holdfast keeps.
const OutsideIdSchema = z.string().min(1, { error: 'must not be empty' });
// CloudEvents reads data as JSON when its media type, parameters aside, is */json or */*+json.
const JsonContentTypeSchema = z
  .string()
  .regex(/^[a-z0-9][\w!#$&^.+-]*\/(?:[a-z0-9][\w!#$&^.+-]*\+)?json\s*(?:;.*)?$/i, { error: 'must be a JSON media type such as application/json (or one ending in +json)' });

/** The CloudEvents-required attributes, the rest optional; spelled as binary-mode headers. */
export const OutsideHeadersSchema = z.looseObject({
  ce_specversion: z.literal('1.0'),
  ce_id: OutsideIdSchema,
  ce_type: z.string().min(1),
  ce_source: EventSourceSchema,
  ce_time: OutsideTimeSchema.optional(),
  ce_subject: SubjectSchema.optional(),
  ce_dataschema: z.string().min(1).optional(),
  ce_correlationid: TraceIdSchema.optional(),
  ce_causationid: TraceIdSchema.optional(),
  'content-type': JsonContentTypeSchema.optional(),
});

/** The same attributes in a structured-mode body (application/cloudevents+json). */
export const StructuredEnvelopeSchema = z.looseObject({
  specversion: z.literal('1.0'),
  id: OutsideIdSchema,
  type: z.string().min(1),
  source: EventSourceSchema,
  time: OutsideTimeSchema.optional(),
  subject: SubjectSchema.optional(),
  dataschema: z.string().min(1).optional(),
  correlationid: TraceIdSchema.optional(),
  causationid: TraceIdSchema.optional(),
  datacontenttype: JsonContentTypeSchema.optional(),
  data_base64: z.never({ error: 'is not accepted: send the sample as JSON in "data"' }).optional(),
  data: z.unknown().refine((data) => data !== undefined, { error: 'is required but missing' }),
});

interface OutsideAttributes {
  id: string;
  type: string;
  source: string;
  time?: string;
  subject?: string;
  dataschema?: string;
  correlationid?: string;
  causationid?: string;
}

/**
 * CloudEvents' JSON format: an attribute decoded as null is unset (SDKs write unset ones that way).
 * Only `data` keeps its null, an explicit null payload.
 */
function withoutNullAttributes(body: Record<string, unknown>): Record<string, unknown> {
  for (const name in body) {
    // fromEntries defines own properties, so a "__proto__" member stays a member.
    if (body[name] === null && name !== 'data') return Object.fromEntries(Object.entries(body).filter(([attribute, value]) => value !== null || attribute === 'data'));
  }
  return body;
}

const STRUCTURED_CONTENT_TYPE = /^application\/cloudevents\+json\s*(?:;.*)?$/i;

// A producer sends the same content type on every message: its answer is kept with its bytes.
let lastContentType: { bytes: Uint8Array; structured: boolean } | null = null;

function isStructured(headers: WireMessage['headers']): boolean {
  const given = firstHeaderValue(headers['content-type']);
  if (given === undefined) return false;
  if (typeof given === 'string') return STRUCTURED_CONTENT_TYPE.test(given);
  if (lastContentType && sameBytes(given, lastContentType.bytes)) return lastContentType.structured;
  const structured = STRUCTURED_CONTENT_TYPE.test(given.toString('utf8'));
  lastContentType = { bytes: Uint8Array.from(given), structured };
  return structured;
}

/** Which form a message is in: the CloudEvents Kafka binding tells them apart by content-type and ce_ headers. */
export function outsideFormOf(headers: WireMessage['headers']): OutsideForm {
  if (isStructured(headers)) return 'structured';
  for (const name in headers) if (name.startsWith('ce_')) return 'binary';
  return 'bare';
}

const headerName = (attribute: string): string => `header ce_${attribute}`;
const attributeName = (attribute: string): string => `event attribute ${attribute}`;

/** Binary-mode headers, with those a producer repeats on every message read once per run of them. */
const binaryHeaders = new HeaderReader(OutsideHeadersSchema, PRODUCER_HEADERS);

// What toISOString writes, which Holdfast and most pipelines send: converting it would give it back unchanged.
const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A valid RFC 3339 time as the UTC instant Holdfast keeps. */
export const utcInstantOf = (time: string): string => (CANONICAL_UTC.test(time) ? time : new Date(time.toUpperCase()).toISOString());

/**
 * Payload fields holding an instant that outside pipelines commonly write with an offset (Python's
 * `isoformat()` gives +00:00, Java's OffsetDateTime the local one): accepted like ce_time and kept
 * as the UTC instant the contract holds. Holdfast's own events carry UTC already and pass as they are.
 */
const OUTSIDE_PAYLOAD_INSTANTS: { readonly [T in EventType]?: readonly (keyof EventPayloads[T] & string)[] } = { 'traffic.sample': ['at'] };

/** Payload fields holding a region, whose country code outside pipelines often write in lower case (GeoIP's `de`). */
const OUTSIDE_PAYLOAD_REGIONS: { readonly [T in EventType]?: readonly (keyof EventPayloads[T] & string)[] } = { 'traffic.sample': ['region'] };

// What Holdfast and most pipelines write (upper-case T, trailing Z): kept as it is, unparsed.
const isInContractForm = (time: string): boolean => time.endsWith('Z') && !time.includes('t');
// Two letters, not both upper case: custom codes have three or more, so this is only ever a country.
const COUNTRY_NOT_UPPER = /^(?![A-Z]{2}$)[a-zA-Z]{2}$/;

/**
 * An outside producer's payload in the form the contract keeps: each instant written with an offset
 * as its UTC instant, one in UTC with a lower-case t or z as the same text in upper case, each
 * country code in upper case. Anything else is left for validation to judge.
 */
export function inContractForm(type: string, data: unknown): unknown {
  if (!isEventType(type) || data === null || typeof data !== 'object' || Array.isArray(data)) return data;
  const given = data as Record<string, unknown>;
  let converted: Record<string, unknown> | undefined;
  for (const field of OUTSIDE_PAYLOAD_INSTANTS[type] ?? []) {
    const value = given[field];
    if (typeof value !== 'string' || isInContractForm(value) || !safeParseFast(OutsideTimeSchema, value).success) continue;
    converted ??= { ...given };
    // In UTC, it is kept as the same time written in upper case would be; with an offset, as its UTC instant.
    converted[field] = /z$/i.test(value) ? value.toUpperCase() : utcInstantOf(value);
  }
  for (const field of OUTSIDE_PAYLOAD_REGIONS[type] ?? []) {
    const value = given[field];
    if (typeof value !== 'string' || !COUNTRY_NOT_UPPER.test(value)) continue;
    converted ??= { ...given };
    converted[field] = value.toUpperCase();
  }
  return converted ?? data;
}

/** A traffic sample as outside producers may write it, which inContractForm turns into the contract's form. */
export const OutsideTrafficSampleSchema = TrafficSampleSchema.extend({ region: OutsideRegionCodeSchema, at: OutsideTimeSchema });

/**
 * Each outside payload as its producers may write it: read only to word a refusal, since the
 * contract's own words ("a UTC instant ending in Z", "a country code in upper case") would refuse
 * what the intake converts. It refuses what the contract refuses once converted (schema-fast-path.spec).
 */
const OUTSIDE_PAYLOAD_SCHEMAS: { readonly [T in EventType]?: z.ZodType } = { 'traffic.sample': OutsideTrafficSampleSchema };

/**
 * An outside producer's payload validated as the contract holds it once inContractForm has
 * converted it, and refused in the words of what outside producers may send. `params` as for
 * safeParse (an HTTP intake's error map).
 */
export function parseOutsidePayload<T extends EventType>(type: T, data: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>): z.ZodSafeParseResult<EventPayloads[T]> {
  const parsed = (EventSchemas[type] as z.ZodType<EventPayloads[T]>).safeParse(inContractForm(type, data), params);
  const worded = parsed.success ? undefined : OUTSIDE_PAYLOAD_SCHEMAS[type]?.safeParse(data, params);
  // Should the two ever disagree, the contract's refusal stands.
  return worded && !worded.success ? { success: false, error: worded.error as z.ZodError<EventPayloads[T]> } : parsed;
}

/** A refusal of an outside payload by the contract, worded again as parseOutsidePayload words it. */
function inOutsideWords(type: string, data: unknown, error: unknown): unknown {
  if (!isEventType(type) || !(error instanceof ContractViolation) || error.code !== ContractViolationCode.InvalidPayload) return error;
  const parsed = OUTSIDE_PAYLOAD_SCHEMAS[type]?.safeParse(data);
  // A tolerant reader drops the fields it does not know: only the others are refused.
  const issues = parsed && !parsed.success ? parsed.error.issues.filter((issue) => issue.code !== 'unrecognized_keys') : [];
  return issues.length === 0 ? error : inputViolation(ContractViolationCode.InvalidPayload, describePayloadIssues(type, issues, data));
}

// A dataschema in Holdfast's own namespace names the payload version a Holdfast build wrote, which must be the one this build reads.
const HOLDFAST_DATA_SCHEMA = 'urn:holdfast:schema:';

/**
 * The dataschema an outside event is checked against: the version this build reads, unless the
 * event names one of Holdfast's own. Any other URI is the producer's own (CloudEvents makes the
 * attribute optional and leaves its meaning to the producer); the payload is held to Holdfast's
 * schema whatever it says.
 */
function dataSchemaToCheck(type: string, given: string | undefined): string {
  if (given !== undefined && given.startsWith(HOLDFAST_DATA_SCHEMA)) return given;
  return isEventType(type) ? dataSchemaOf(type) : '';
}

/**
 * The id an event without a correlation id starts its chain under: the id it was sent with, as its
 * producer knows it, when Holdfast's events can carry that as a trace id; else the id it is recorded under.
 */
const chainIdOf = (sentId: string, recordedId: string): string => (safeParseFast(TraceIdSchema, sentId).success ? sentId : recordedId);

/**
 * The id an outside event is recorded under. A Holdfast id (UUIDv7) is kept, so what the
 * impact-analyzer publishes itself keeps its id; any other id is only unique within its source
 * (CloudEvents), so the pair is hashed into a UUIDv5. A bare payload has no id at all: its place
 * in the log is what a redelivery shares.
 */
export function outsideEventId(origin: { source: string; id: string } | { topic: string; partition: number; offset: string }): string {
  if ('id' in origin) return isEventId(origin.id) ? origin.id : outsideIdOf(JSON.stringify([origin.source, origin.id]));
  return outsideIdOf(`${origin.topic}/${origin.partition}/${origin.offset}`);
}

/** The payload field in which an outside producer names itself, for an event type that has one: a sample's pipeline. */
const OUTSIDE_PAYLOAD_PRODUCERS: { readonly [T in EventType]?: keyof EventPayloads[T] & string } = { 'traffic.sample': 'source' };

/**
 * Who sent a message on `topic` in no CloudEvents form (no ce_ header, no structured-mode
 * content-type: read as a bare payload): the producer its payload names as text, such as a sample's
 * own `source`, else `kafka:<topic>`, the source decodeOutsideEvent gives a bare payload. Not for a
 * binary-mode message without ce_source, whose data names no CloudEvents producer. `body` is the
 * message's whole body as text, if it is text. Undefined on a topic only Holdfast writes, where
 * such a message names no one.
 */
export function bareSourceOf(topic: string, body: string | undefined): string | undefined {
  if (!Object.hasOwn(TopicSpecs, topic) || !TopicSpecs[topic as TopicName].externalProducers) return undefined;
  const types: readonly EventType[] = TopicEvents[topic as TopicName];
  const field = types.length === 1 ? OUTSIDE_PAYLOAD_PRODUCERS[types[0]] : undefined;
  const named = field === undefined || body === undefined ? undefined : producerIn(body, field);
  return named ?? `kafka:${topic}`;
}

/** The text a JSON object body holds in `field`; none from a body that is not one. */
function producerIn(body: string, field: string): string | undefined {
  let payload: unknown;
  try {
    payload = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || !Object.hasOwn(payload, field)) return undefined;
  const named = (payload as Record<string, unknown>)[field];
  return typeof named === 'string' && named !== '' ? named : undefined;
}

/** A JSON object that carries CloudEvents' specversion and data: an envelope, whatever header it came without. */
const isStructuredEnvelope = (body: unknown): boolean => body !== null && typeof body === 'object' && !Array.isArray(body) && 'specversion' in body && 'data' in body;

const parseBody = (message: WireMessage): unknown => {
  if (message.value === null) throw inputViolation(ContractViolationCode.InvalidBody, 'message body is empty (tombstones are not events)');
  try {
    return JSON.parse(message.value.toString('utf8'));
  } catch (error) {
    throw inputViolation(ContractViolationCode.InvalidBody, `message body is not JSON: ${(error as Error).message}`);
  }
};

const refuse = (issues: z.core.$ZodIssue[], input: Record<string, unknown>, whole: string, part: string): never => {
  const code = issues.some((issue) => isMissing(issue, input)) ? ContractViolationCode.MissingHeader : ContractViolationCode.InvalidHeader;
  throw inputViolation(code, describeIssues(issues, input, whole, part));
};

// The messages of one produce request mostly share their timestamp: its text is kept with it (formatting one costs about what parsing a sample's JSON does).
let lastTimestamp: { timestamp: string; time: string } | null = null;

const messageTime = (message: WireMessage): string => {
  const { timestamp } = message;
  if (timestamp !== undefined && timestamp === lastTimestamp?.timestamp) return lastTimestamp.time;
  const millis = Number(timestamp);
  if (timestamp === undefined || !Number.isFinite(millis)) {
    throw inputViolation(ContractViolationCode.MissingHeader, 'the event has no time: send ce_time, or produce with a message timestamp');
  }
  lastTimestamp = { timestamp, time: new Date(millis).toISOString() };
  return lastTimestamp.time;
};

/**
 * Decodes a message that an outside producer wrote to `topic` (a topic with `externalProducers`),
 * in any of the forms DESIGN.md section 4 accepts. What is missing is filled in: the type from
 * the topic for a bare payload, the schema version this build reads, the time from the Kafka
 * timestamp, and an event without a correlation id starts its own chain under the id it was sent
 * with. The payload is still validated like any other.
 */
export function decodeOutsideEvent(topic: TopicName, message: WireMessage): AnyHoldfastEvent {
  const form = outsideFormOf(message.headers);
  const name = form === 'structured' ? attributeName : headerName;
  let attributes: OutsideAttributes;
  let data: unknown;
  let id: string;

  if (form === 'bare') {
    const types: readonly EventType[] = TopicEvents[topic];
    if (types.length !== 1) throw inputViolation(ContractViolationCode.MissingHeader, `header ce_type: is required on ${topic}, which carries ${types.join(', ')}`);
    if (message.partition === undefined || message.offset === undefined) {
      throw new Error('a bare JSON message is identified by its partition and offset: pass them to decodeEvent');
    }
    data = parseBody(message);
    id = outsideEventId({ topic, partition: message.partition, offset: message.offset });
    attributes = { id, type: types[0], source: `kafka:${topic}`, correlationid: id };
  } else if (form === 'binary') {
    const parsed = binaryHeaders.read(message.headers);
    if (!parsed.success) return refuse(parsed.error.issues, parsed.texts, 'headers', 'header');
    const valid = parsed.data as z.output<typeof OutsideHeadersSchema>;
    data = parseBody(message);
    attributes = {
      id: valid.ce_id,
      type: valid.ce_type,
      source: valid.ce_source,
      time: valid.ce_time,
      subject: valid.ce_subject,
      dataschema: valid.ce_dataschema,
      correlationid: valid.ce_correlationid,
      causationid: valid.ce_causationid,
    };
    id = outsideEventId(attributes);
  } else {
    const body = parseBody(message);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw inputViolation(ContractViolationCode.InvalidEnvelope, 'a structured-mode body must be a JSON object holding the CloudEvents attributes and "data"');
    }
    const envelope = withoutNullAttributes(body as Record<string, unknown>);
    const parsed = safeParseFast(StructuredEnvelopeSchema, envelope);
    if (!parsed.success) {
      throw inputViolation(ContractViolationCode.InvalidEnvelope, describeIssues(parsed.error.issues, envelope, 'event', 'event attribute'));
    }
    ({ data, ...attributes } = parsed.data);
    id = outsideEventId(attributes);
  }

  const allowed: readonly string[] = TopicEvents[topic];
  if (isEventType(attributes.type) && !allowed.includes(attributes.type)) {
    throw inputViolation(
      ContractViolationCode.WrongTopic,
      `${name('type')} "${attributes.type}" does not travel on topic ${topic}, which carries ${allowed.join(', ')}; it belongs on ${topicOfEvent(attributes.type)}`,
    );
  }
  try {
    return assembleEvent(
      {
        id,
        type: attributes.type,
        source: attributes.source,
        time: attributes.time === undefined ? messageTime(message) : utcInstantOf(attributes.time),
        subject: attributes.subject,
        dataschema: dataSchemaToCheck(attributes.type, attributes.dataschema),
        correlationid: attributes.correlationid ?? chainIdOf(attributes.id, id),
        causationid: attributes.causationid,
      },
      inContractForm(attributes.type, data),
      'consume',
      name,
    );
  } catch (error) {
    // Looked for only once the payload is refused: the intake's every bare sample would pay for it otherwise.
    if (form === 'bare' && isStructuredEnvelope(data)) {
      throw inputViolation(
        ContractViolationCode.InvalidEnvelope,
        'the body is a CloudEvents structured-mode event (specversion, data), but the message has no content-type: application/cloudevents+json header, so it was read as a bare sample: produce it with that header, or send the sample alone as the body',
      );
    }
    throw inOutsideWords(attributes.type, data, error);
  }
}
