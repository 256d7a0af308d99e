import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventSchemas, EventVersions, TopicEvents, dataSchemaOf, keyOf, topicOfEvent } from './event-catalog';
import { EventExamples } from './event-examples';
import { EventTypes, type EventType } from './event-types';
import { TopicSpecs, Topics, deadLetterTopicOf, type TopicName } from './topics';

describe('event catalog', () => {
  it('puts every event type on exactly one topic', () => {
    const carried = Object.values(TopicEvents).flat();
    expect([...carried].sort()).toEqual(Object.values(EventTypes).sort());
    expect(new Set(carried).size).toBe(carried.length);
  });

  it('has a schema and a version for every event type', () => {
    expect(Object.keys(EventSchemas).sort()).toEqual(Object.values(EventTypes).sort());
    expect(Object.keys(EventVersions).sort()).toEqual(Object.values(EventTypes).sort());
  });

  it('names the topic each type travels on', () => {
    expect(topicOfEvent('traffic.sample')).toBe('traffic.samples.v1');
    expect(topicOfEvent('surge.cleared')).toBe('region.surges.v1');
    expect(topicOfEvent('window.rescheduled')).toBe('maintenance.windows.v1');
    expect(topicOfEvent('hold.overridden')).toBe('maintenance.holds.v1');
  });

  it('describes every topic under its own name, compacting only baselines and key states', () => {
    for (const topic of Object.values(Topics)) expect(TopicSpecs[topic].name).toBe(topic);
    expect((Object.values(TopicSpecs) as Array<(typeof TopicSpecs)[TopicName]>).filter((spec) => spec.compacted).map((spec) => spec.name)).toEqual([
      'region.baselines.v1',
      'api.keys.v1',
    ]);
    expect(TopicSpecs['region.baselines.v1'].partitions).toBe(3);
    expect(TopicSpecs['maintenance.windows.v1'].partitions).toBe(6);
  });

  it('versions the data schema id and names the dead-letter topic', () => {
    expect(dataSchemaOf('traffic.sample')).toBe('urn:holdfast:schema:traffic.sample:v1');
    expect(deadLetterTopicOf(Topics.regionSurges)).toBe('region.surges.v1.dlq');
  });
});

describe('keyOf', () => {
  const cases: Array<[EventType, string]> = [
    ['traffic.sample', 'IR'],
    ['region.baseline', 'IR/http_requests_per_second'],
    ['surge.started', 'IR'],
    ['surge.cleared', 'IR'],
    ['window.scheduled', EventExamples['window.scheduled'].windowId],
    ['window.completed', EventExamples['window.scheduled'].windowId],
    ['hold.placed', 'IR'],
    ['hold.overridden', 'IR'],
  ];
  it.each(cases)('keys %s by %s', (type, key) => {
    expect(keyOf(type, EventExamples[type])).toBe(key);
  });

  it("keys every event of a multi-region hold by the hold's lowest region code, whatever the order", () => {
    const placed = { ...EventExamples['hold.placed'], regions: ['eu-west', 'TR', 'IR'] };
    const released = { ...EventExamples['hold.released'], regions: ['IR', 'eu-west', 'TR'] };
    expect(keyOf('hold.placed', placed)).toBe('IR');
    expect(keyOf('hold.released', released)).toBe('IR');
  });

  it('puts every event of one hold on one key, one of its regions, whatever order each event lists them in', () => {
    const region = fc.oneof(fc.constantFrom('IR', 'NP', 'TR', 'DE', 'US', 'BR'), fc.constantFrom('eu-west', 'us-east-2', 'ap-south'));
    const permutation = (regions: string[]) => fc.shuffledSubarray(regions, { minLength: regions.length });
    const hold = fc.uniqueArray(region, { minLength: 1, maxLength: 6 }).chain((regions) => fc.tuple(fc.constant(regions), permutation(regions), permutation(regions), permutation(regions)));
    fc.assert(
      fc.property(hold, ([regions, placed, released, overridden]) => {
        const keys = [
          keyOf('hold.placed', { ...EventExamples['hold.placed'], regions: placed }),
          keyOf('hold.released', { ...EventExamples['hold.released'], regions: released }),
          keyOf('hold.overridden', { ...EventExamples['hold.overridden'], regions: overridden }),
        ];
        expect(new Set(keys).size).toBe(1);
        expect(regions).toContain(keys[0]);
        // Code-point order, not the locale's: an upper-case country code comes before any custom code.
        expect(keys[0]).toBe([...regions].sort()[0]);
      }),
    );
  });
});
