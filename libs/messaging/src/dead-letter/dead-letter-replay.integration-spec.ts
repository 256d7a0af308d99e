import { EventExamples, Topics } from '@holdfast/contracts';
import { expectEventually, produceOnce } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalTopic } from '../kafka/kafka-settings';
import { createMessagingTestBed, effectConsumer, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';
import { DeadLetterReplay } from './dead-letter-replay';

const GROUP = 'replay';
const REFUSAL = 'region NZ is not in the catalog yet';

interface Letter {
  offset: string;
  event_id: string | null;
  reason: string;
  message_kept: boolean;
  message_value: Buffer | null;
  message_headers: Record<string, string> | null;
  replayed_at: Date | null;
}

describe('dead letters sent again once their cause is fixed, against the real broker and PostgreSQL', () => {
  let bed: MessagingTestBed;

  beforeAll(async () => {
    bed = await createMessagingTestBed('dead-letter-replay', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  const letters = (): Promise<Letter[]> =>
    bed.dataSource.query(`SELECT "offset"::text AS "offset", event_id, reason, message_kept, message_value, message_headers, replayed_at FROM dead_letter ORDER BY "offset"`);
  const regionsApplied = async (): Promise<string[]> => (await bed.dataSource.query('SELECT region FROM effect ORDER BY region')).map((row: { region: string }) => row.region);

  it('keeps each message it dead-letters, replays them in log order a limit at a time, once each, and a message refused again comes back at its new offset', async () => {
    let catalogHasNz = false;
    const consumer = effectConsumer(bed, {
      group: GROUP,
      batch: { beforeBatch: (events) => (catalogHasNz ? [] : events.flatMap((event, index) => (event.data.region === 'NZ' ? [{ index, reason: REFUSAL }] : []))) },
    });
    const topic = physicalTopic(bed.settings, Topics.trafficSamples);
    const holdfastSample = sampleEvent('NZ', 10, 'spec');
    const bareBody = JSON.stringify({ ...EventExamples['traffic.sample'], region: 'NZ', value: 11, source: 'outside-pipeline' });
    const unreadableBody = JSON.stringify({ ...EventExamples['traffic.sample'], region: 'AU', value: 'lots' });
    await bed.publisher.publish(holdfastSample);
    await produceOnce(bed.kafka, topic, [
      { key: 'NZ', value: Buffer.from(bareBody) },
      { key: 'AU', value: Buffer.from(unreadableBody) },
    ]);
    await bed.publisher.publish(sampleEvent('AU', 12, 'spec'));
    await consumer.start();
    try {
      await expectEventually(async () => expect(await letters()).toHaveLength(3), { message: 'two refused samples and one unreadable dead-lettered' });
      await expectEventually(async () => expect(await regionsApplied()).toEqual(['AU']), { message: 'the good sample applied' });
      const recorded = await letters();
      expect(recorded.every((letter) => letter.message_kept && letter.replayed_at === null)).toBe(true);
      expect(recorded.find((letter) => letter.event_id === holdfastSample.id)?.message_headers).toMatchObject({ ce_id: holdfastSample.id, ce_type: 'traffic.sample' });
      expect(recorded.map((letter) => letter.message_value?.toString())).toEqual(expect.arrayContaining([bareBody, unreadableBody]));

      const replay = new DeadLetterReplay(bed.dataSource, bed.publisher);
      catalogHasNz = true;
      const first = await replay.replay({ topic: Topics.trafficSamples, reasonContains: 'NOT IN THE CATALOG', limit: 1 });
      expect(first).toMatchObject({ messages: 1, remaining: 1, unreplayable: 0 });
      expect(first.replayed).toHaveLength(1);
      const second = await replay.replay({ topic: Topics.trafficSamples, reasonContains: 'not in the catalog', limit: 10 });
      expect(second).toMatchObject({ messages: 1, remaining: 0, unreplayable: 0 });
      // In log order: the Holdfast event was written before the bare sample, on the same key.
      expect(BigInt(first.replayed[0].offset)).toBeLessThan(BigInt(second.replayed[0].offset));
      expect(first.replayed[0]).toMatchObject({ event_id: holdfastSample.id, consumer_group: consumer.groupId, reason: `refused by the handler: ${REFUSAL}` });
      expect(first.replayed[0].replayed_at).toBeInstanceOf(Date);

      await expectEventually(async () => expect(await regionsApplied()).toEqual(['AU', 'NZ', 'NZ']), { message: 'both NZ samples applied once replayed' });
      expect((await bed.dataSource.query('SELECT count(*)::int AS n FROM effect WHERE event_id = $1', [holdfastSample.id]))[0].n).toBe(1);
      expect(await replay.replay({ topic: Topics.trafficSamples, reasonContains: 'not in the catalog', limit: 10 })).toEqual({ replayed: [], messages: 0, remaining: 0, unreplayable: 0 });

      // Nothing fixed the unreadable sample: replayed, it is dead-lettered again at the offset it now has.
      const unreadable = await replay.replay({ reasonContains: 'contract violation', limit: 10 });
      expect(unreadable.messages).toBe(1);
      await expectEventually(async () => expect(await letters()).toHaveLength(4), { message: 'the replayed unreadable sample dead-lettered again' });
      const again = (await letters()).filter((letter) => letter.message_value?.toString() === unreadableBody);
      expect(again).toHaveLength(2);
      expect(again[0].replayed_at).not.toBeNull();
      expect(again[1]).toMatchObject({ replayed_at: null, reason: again[0].reason });
      expect(BigInt(again[1].offset)).toBeGreaterThan(BigInt(again[0].offset));
      expect(await regionsApplied()).toEqual(['AU', 'NZ', 'NZ']);
    } finally {
      await consumer.stop();
    }
  });

  it('counts, and never sends, a dead letter that kept no message', async () => {
    await bed.dataSource.query(`INSERT INTO dead_letter (consumer_group, topic, partition, "offset", event_id, reason) VALUES ('older', $1, 0, 999999, NULL, 'recorded before messages were kept')`, [
      Topics.trafficSamples,
    ]);
    const outcome = await new DeadLetterReplay(bed.dataSource, bed.publisher).replay({ reasonContains: 'recorded before', limit: 10 });
    expect(outcome).toEqual({ replayed: [], messages: 0, remaining: 0, unreplayable: 1 });
  });
});
