import { Parser } from '@asyncapi/parser';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventTypes, Topics, TopicSpecs } from '../../libs/contracts/src/index';
import { ASYNCAPI_PATH, buildAsyncApiDocument, renderAsyncApiDocument } from './asyncapi-document';

interface Document {
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }>; bindings: { kafka: { partitions: number } } }>;
  components: { messages: Record<string, { headers?: { $ref: string }; payload: { $ref: string } | { type: 'null' }; summary: string }>; schemas: Record<string, unknown> };
}

describe('AsyncAPI document', () => {
  it('is checked in as generated (else run npm run contracts:asyncapi)', () => {
    expect(readFileSync(ASYNCAPI_PATH, 'utf8')).toBe(renderAsyncApiDocument());
  });

  it('has a channel per topic and a message per event type, with every reference resolving', () => {
    const document = buildAsyncApiDocument() as unknown as Document;
    expect(Object.values(document.channels).map((channel) => channel.address).sort()).toEqual(Object.values(Topics).sort());
    const tombstones = Object.values(TopicSpecs).filter((spec) => spec.tombstone !== undefined);
    expect(Object.keys(document.components.messages)).toHaveLength(Object.keys(EventTypes).length + tombstones.length);

    const resolve = (ref: string): unknown => {
      const [, section, name] = ref.match(/^#\/components\/(messages|schemas)\/(.+)$/) ?? [];
      return section === 'messages' ? document.components.messages[name] : document.components.schemas[name];
    };
    for (const channel of Object.values(document.channels)) {
      for (const { $ref } of Object.values(channel.messages)) {
        const message = resolve($ref) as Document['components']['messages'][string];
        expect(message).toBeDefined();
        if ('type' in message.payload) continue;
        expect(resolve(message.headers!.$ref)).toBeDefined();
        expect(resolve(message.payload.$ref)).toBeDefined();
      }
    }
    expect(document.channels.regionBaselines.bindings.kafka.partitions).toBe(3);
  });

  it('lists a tombstone, a null value with no headers, on region.baselines.v1 alone, saying what it means there', () => {
    const document = buildAsyncApiDocument() as unknown as Document;
    const withTombstones = Object.entries(document.channels).filter(([, channel]) => Object.keys(channel.messages).some((id) => id.endsWith('.tombstone')));
    expect(withTombstones.map(([, channel]) => channel.address)).toEqual([Topics.regionBaselines]);
    const tombstone = document.components.messages['regionBaselines.tombstone'];
    expect(tombstone.payload).toEqual({ type: 'null' });
    expect(tombstone.headers).toBeUndefined();
    expect(tombstone.summary).toContain('The series was retired');
  });

  it('is a valid AsyncAPI document by the official parser, with nothing to warn or hint about', async () => {
    const { document, diagnostics } = await new Parser().parse(renderAsyncApiDocument());

    expect(diagnostics.map((diagnostic) => `${diagnostic.code} at ${diagnostic.path.join('.')}: ${diagnostic.message}`)).toEqual([]);
    expect(document?.channels().all().map((channel) => channel.address()).sort()).toEqual(Object.values(Topics).sort());
    // The official parser validates every schema of a ~300 kB document: seconds, more on a busy shared machine.
  }, 60_000);
});
