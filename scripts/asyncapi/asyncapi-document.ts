import { z } from 'zod';
import {
  EventExamples,
  EventSchemas,
  EventVersions,
  TopicEvents,
  TopicSpecs,
  Topics,
  createEvent,
  encodeEvent,
  kafkaHeadersSchemaOf,
  keyOf,
  topicOfEvent,
  type EventType,
  type TopicName,
} from '../../libs/contracts/src/index';

export const ASYNCAPI_PATH = 'libs/contracts/asyncapi.json';

// AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07.
const jsonSchemaOf = (schema: z.ZodType): Record<string, unknown> => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', unrepresentable: 'any' });
  return rest;
};

const channelIdOf = (topic: TopicName): string =>
  (Object.keys(Topics) as Array<keyof typeof Topics>).find((id) => Topics[id] === topic) as string;

const messageIdOf = (type: EventType): string => `${type}.v${EventVersions[type]}`;

const tombstoneIdOf = (topic: TopicName): string => `${channelIdOf(topic)}.tombstone`;

const pascal = (type: string): string => type.replace(/(?:^|[.-])(\w)/g, (_, letter: string) => letter.toUpperCase());

const payloadSchemaIdOf = (type: EventType): string => `${pascal(type)}V${EventVersions[type]}`;

const keyDescriptions: Record<(typeof TopicSpecs)[TopicName]['key'], string> = {
  region: 'Region code; a multi-region hold uses its lowest region code.',
  'region/metric': 'Region code and metric name joined by "/".',
  'window id': 'Window id (UUID).',
  'key id': 'API key id (16 hex digits).',
};

// A fixed id and time keep the generated document byte-for-byte reproducible.
const exampleOf = (type: EventType) => {
  const event = createEvent(type, EventExamples[type], {
    source: 'holdfast/example',
    id: '0190a7d2-0000-7000-8000-000000000000',
    time: new Date('2026-06-15T15:00:00Z'),
  });
  const { headers } = encodeEvent(event);
  return { name: type, headers, payload: event.data };
};

/** The AsyncAPI 3.0 document, built only from what libs/contracts exports. */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const topics = Object.values(Topics);
  const types = topics.flatMap((topic): readonly EventType[] => TopicEvents[topic]);

  const channels = Object.fromEntries(
    topics.map((topic) => {
      const spec = TopicSpecs[topic];
      return [
        channelIdOf(topic),
        {
          address: topic,
          title: topic,
          description: `${spec.description} Key: ${spec.key}. Partitions: ${spec.partitions}.${spec.compacted ? ' Compacted.' : ''} Invalid messages go to ${topic}.dlq.`,
          messages: Object.fromEntries([
            ...TopicEvents[topic].map((type: EventType) => [messageIdOf(type), { $ref: `#/components/messages/${messageIdOf(type)}` }]),
            ...(spec.tombstone === undefined ? [] : [[tombstoneIdOf(topic), { $ref: `#/components/messages/${tombstoneIdOf(topic)}` }]]),
          ]),
          bindings: {
            kafka: {
              bindingVersion: '0.5.0',
              topic,
              partitions: spec.partitions,
              topicConfiguration: { 'cleanup.policy': [spec.compacted ? 'compact' : 'delete'] },
            },
          },
        },
      ];
    }),
  );

  const messages = Object.fromEntries(
    types.map((type) => {
      const topic = topicOfEvent(type);
      return [
        messageIdOf(type),
        {
          name: type,
          title: type,
          summary: `${type} on ${topic}, keyed by ${TopicSpecs[topic].key} (e.g. "${keyOf(type, EventExamples[type])}").`,
          contentType: 'application/json',
          headers: { $ref: `#/components/schemas/${pascal(type)}Headers` },
          payload: { $ref: `#/components/schemas/${payloadSchemaIdOf(type)}` },
          bindings: {
            kafka: { bindingVersion: '0.5.0', key: { type: 'string', description: keyDescriptions[TopicSpecs[topic].key] } },
          },
          examples: [exampleOf(type)],
        },
      ];
    }),
  );

  // A compacted topic's tombstones, where its contract says what they mean: the key and no value, so no headers and no content type.
  const tombstones = Object.fromEntries(
    topics.flatMap((topic) => {
      const { tombstone, key } = TopicSpecs[topic];
      if (tombstone === undefined) return [];
      return [
        [
          tombstoneIdOf(topic),
          {
            name: 'tombstone',
            title: `${topic} tombstone`,
            summary: `A record keyed by ${key} with a null value, no headers: ${tombstone}`,
            payload: { type: 'null' },
            bindings: { kafka: { bindingVersion: '0.5.0', key: { type: 'string', description: keyDescriptions[key] } } },
          },
        ],
      ];
    }),
  );

  const schemas = Object.fromEntries(
    types.flatMap((type) => [
      [`${pascal(type)}Headers`, jsonSchemaOf(kafkaHeadersSchemaOf(type))],
      [payloadSchemaIdOf(type), jsonSchemaOf(EventSchemas[type])],
    ]),
  );

  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Holdfast events',
      version: '1.0.0',
      description:
        'CloudEvents 1.0 in Kafka binary mode: attributes in ce_* headers, the JSON payload as the body. Generated from libs/contracts by `npm run contracts:asyncapi`; do not edit by hand.',
    },
    defaultContentType: 'application/json',
    channels,
    components: { messages: { ...messages, ...tombstones }, schemas },
  };
}

export const renderAsyncApiDocument = (): string => `${JSON.stringify(buildAsyncApiDocument(), null, 2)}\n`;
