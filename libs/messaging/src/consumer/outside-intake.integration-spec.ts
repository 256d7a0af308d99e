import { EventExamples, outsideEventId, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { MetricsRegistry } from '@holdfast/observability';
import { expectEventually, produceOnce, recordTopic } from '@holdfast/testing';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeaders } from '../dead-letter/dead-letter-headers';
import { physicalTopic } from '../kafka/kafka-settings';
import { createMessagingTestBed, effectConsumer, effectCount, type MessagingTestBed } from '../testing/messaging-test-bed';

const reading = (region: string, value: number) => ({ ...EventExamples['traffic.sample'], region, value, source: 'outside-pipeline' });

async function consumed(metrics: MetricsRegistry, labels: { type: string; outcome: string }): Promise<number> {
  const { values } = await metrics.registry.getSingleMetric('holdfast_events_consumed_total')!.get();
  return values.filter((value) => value.labels.type === labels.type && value.labels.outcome === labels.outcome).reduce((sum, value) => sum + value.value, 0);
}

describe('traffic.samples.v1 written by outside producers, against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;

  beforeAll(async () => {
    bed = await createMessagingTestBed('outside-intake', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  // Both cases write to the one topic and each group reads it from the start: each case has regions and ids of its own.
  it.each([
    ['one event at a time', false, ['IR', 'DE', 'US']],
    ['in batches', true, ['BR', 'JP', 'IN']],
  ] as const)(
    'applies CloudEvents binary and structured mode and bare JSON sent with plain kafkajs, %s, and dead-letters what it cannot read',
    async (label, batched, [binaryRegion, structuredRegion, bareRegion]) => {
      const group = `outside-${batched ? 'batch' : 'single'}`;
      const regions = [binaryRegion, structuredRegion, bareRegion];
      const topic = physicalTopic(bed.settings, Topics.trafficSamples);
      const binaryId = randomUUID();
      const binary = { key: binaryRegion, value: Buffer.from(JSON.stringify(reading(binaryRegion, 1))), headers: { ce_specversion: '1.0', ce_id: binaryId, ce_source: '/edge/fra1', ce_type: 'traffic.sample' } };
      const structured = {
        key: null,
        // The sample's own time with an offset too, as a pipeline in Berlin might write it.
        value: Buffer.from(
          JSON.stringify({ specversion: '1.0', id: `cdn-log-${group}`, source: '/cdn', type: 'traffic.sample', time: '2026-06-15T14:55:00+02:00', data: { ...reading(structuredRegion, 2), at: '2026-06-15T16:55:00+02:00' } }),
        ),
        headers: { 'content-type': 'application/cloudevents+json' },
      };
      // As Python's datetime.now(timezone.utc).isoformat() writes it.
      const bare = { key: bareRegion, value: Buffer.from(JSON.stringify({ ...reading(bareRegion, 3), at: '2026-06-15T14:55:00.000000+00:00' })) };
      const unreadableId = `unreadable-${group}`;
      const unreadable = { key: binaryRegion, value: Buffer.from(JSON.stringify({ ...reading(binaryRegion, 4), value: 'lots' })), headers: { ce_specversion: '1.0', ce_id: unreadableId, ce_source: '/edge/fra1', ce_type: 'traffic.sample' } };

      // The binary-mode event twice, as a producer retry without idempotence would write it, and the bad one behind it on its partition.
      // Sent once for real: a resend of the request would give the bare payload a second offset, so a second id.
      await produceOnce(bed.kafka, topic, [binary, structured, bare, binary, unreadable]);

      const applied: HoldfastEvent<'traffic.sample'>[] = [];
      const letters = await recordTopic(bed.kafka, physicalTopic(bed.settings, `${Topics.trafficSamples}.dlq`), `${bed.settings.topicPrefix}dlq-${group}`);
      const metrics = new MetricsRegistry('outside-intake-spec', false);
      const consumer = effectConsumer(bed, {
        group,
        metrics,
        before: (event) => void ((regions as readonly string[]).includes(event.data.region) && applied.push(event)),
        ...(batched ? { batch: { maxEvents: 10 } } : {}),
      });
      await consumer.start();
      try {
        await expectEventually(() => expect([...new Set(applied.map((event) => event.data.region))].sort()).toEqual([...regions].sort()), { message: `${label}: all three forms applied` });
        const byRegion = new Map(applied.map((event) => [event.data.region, event]));
        expect(byRegion.get(binaryRegion)).toMatchObject({ id: outsideEventId({ source: '/edge/fra1', id: binaryId }), correlationid: binaryId, source: '/edge/fra1' });
        expect(byRegion.get(structuredRegion)).toMatchObject({ id: outsideEventId({ source: '/cdn', id: `cdn-log-${group}` }), time: '2026-06-15T12:55:00.000Z', correlationid: `cdn-log-${group}` });
        expect(byRegion.get(bareRegion)).toMatchObject({ source: `kafka:${Topics.trafficSamples}`, dataschema: 'urn:holdfast:schema:traffic.sample:v1' });
        // Each sample's time held as the UTC instant the contract keeps, whatever offset it was written with.
        expect(regions.map((region) => byRegion.get(region)?.data.at)).toEqual(['2026-06-15T14:55:00Z', '2026-06-15T14:55:00.000Z', '2026-06-15T14:55:00.000Z']);

        const mine = () => letters.messages.filter((letter) => letter.headers[DeadLetterHeaders.consumerGroup] === consumer.groupId && letter.headers.ce_id === unreadableId);
        await expectEventually(() => expect(mine()).toHaveLength(1));
        expect(mine()[0].headers[DeadLetterHeaders.reason]).toBe('contract violation: traffic.sample payload field value: must be a number');

        // The copy is dropped by the ledger. In batches it is counted when its slice ends, which may be
        // after the bad message of the same slice was dead-lettered (seen once in CI): polled, not read once.
        await expectEventually(async () => expect(await consumed(metrics, { type: 'traffic.sample', outcome: 'duplicate' })).toBeGreaterThanOrEqual(1));
        const ids = [...new Set(applied.map((event) => event.id))];
        const [{ ledger }] = await bed.dataSource.query('SELECT count(*)::int AS ledger FROM processed_event WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])', [consumer.groupId, ids]);
        expect(ledger).toBe(3);
        // The handler may see a redelivered copy in a transaction that is then rolled back: the effects count.
        expect(await effectCount(bed.dataSource, ids)).toBe(3);
      } finally {
        await consumer.stop();
        await letters.stop();
      }
    },
  );
});
