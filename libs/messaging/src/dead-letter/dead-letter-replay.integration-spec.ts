import { EventExamples, Topics } from '@holdfast/contracts';
import { expectEventually, produceOnce, recordTopic } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterTopicOf } from '@holdfast/contracts';
import type { OutboundMessage } from '../kafka/event-publisher';
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

  it('counts, and never sends, a dead letter of a compacted topic, whose old state would outlive the newer one', async () => {
    // A key's state from before its revocation: sent again, compaction would keep it as the key's last word.
    await bed.dataSource.query(
      `INSERT INTO dead_letter (consumer_group, topic, partition, "offset", event_id, reason, message_kept, message_key, message_value, message_headers)
       VALUES ('keys', $1, 0, 7, NULL, 'compacted spec', true, 'key-1', '{"revokedAt":null}', '{}')`,
      [Topics.apiKeys],
    );
    const publisher = { sent: 0, send: async (messages: readonly unknown[]) => void (publisher.sent += messages.length) };
    const outcome = await new DeadLetterReplay(bed.dataSource, publisher).replay({ reasonContains: 'compacted spec', limit: 10 });
    expect(outcome).toEqual({ replayed: [], messages: 0, remaining: 0, unreplayable: 1 });
    expect(publisher.sent).toBe(0);
  });

  it('keeps keys and header values that are not text byte for byte, on the dead-letter topic and in the replay', async () => {
    let refusing = true;
    const consumer = effectConsumer(bed, {
      group: 'replay-bytes',
      batch: { beforeBatch: (events) => (refusing ? events.flatMap((event, index) => (event.data.region === 'FJ' ? [{ index, reason: 'FJ held back by the bytes spec' }] : [])) : []) },
    });
    const topic = physicalTopic(bed.settings, Topics.trafficSamples);
    // A header that is not UTF-8, one that is but holds NUL (which PostgreSQL's text refuses), and a header name given twice.
    const schemaHeader = Buffer.from([0xc3, 0x28, 0x00, 0x80]);
    const headers = { 'x-schema': schemaHeader, 'x-tenant': 'acme\0eu', 'x-hop': ['edge', 'bridge'], traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    // An Avro-style key (magic byte, schema id) where the contract wants the region: refused, and the reason quotes it, NUL
    // bytes and all (before keys were kept as bytes, such a message failed its record on every try and stalled its partition).
    const avroKey = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xfe]);
    const misKeyed = JSON.stringify({ ...EventExamples['traffic.sample'], region: 'FJ', value: 13, source: 'avro-bridge' });
    const heldBack = JSON.stringify({ ...EventExamples['traffic.sample'], region: 'FJ', value: 14, source: 'avro-bridge' });
    await produceOnce(bed.kafka, topic, [
      { key: avroKey, value: Buffer.from(misKeyed), headers },
      { key: 'FJ', value: Buffer.from(heldBack), headers },
    ]);
    const origin = await recordTopic(bed.kafka, topic, `${bed.settings.topicPrefix}bytes-origin`);
    const deadLetters = await recordTopic(bed.kafka, physicalTopic(bed.settings, deadLetterTopicOf(Topics.trafficSamples)), `${bed.settings.topicPrefix}bytes-dlq`);
    const carrying = (body: string) => (message: { value: string }) => message.value === body;
    const expectSameBytes = (message: { raw: { key: Buffer | null; headers: Record<string, unknown> } }, key: Buffer) => {
      expect(message.raw.key).toEqual(key);
      expect(message.raw.headers['x-schema']).toEqual(schemaHeader);
      expect(message.raw.headers['x-tenant']).toEqual(Buffer.from('acme\0eu'));
      expect(message.raw.headers['x-hop']).toEqual([Buffer.from('edge'), Buffer.from('bridge')]);
      expect(String(message.raw.headers.traceparent)).toBe(headers.traceparent);
    };
    const replay = new DeadLetterReplay(bed.dataSource, bed.publisher);
    await consumer.start();
    try {
      // Recorded in the transaction that commits once the broker took the letters.
      // The group reads the topic from its start: the earlier test's unreadable sample is dead-lettered by it too.
      const kept = async (): Promise<{ reason: string; message_key: Buffer; message_value: Buffer; message_headers: unknown }[]> =>
        (await bed.dataSource.query('SELECT reason, message_key, message_value, message_headers FROM dead_letter WHERE consumer_group = $1', [consumer.groupId])).filter(
          (letter: { message_value: Buffer }) => [misKeyed, heldBack].includes(letter.message_value.toString()),
        );
      await expectEventually(async () => expect(await kept()).toHaveLength(2), { message: 'both FJ samples dead-lettered' });
      const letters = await kept();
      const misKeyedLetter = letters.find((letter) => letter.message_value.toString() === misKeyed)!;
      const heldBackLetter = letters.find((letter) => letter.message_value.toString() === heldBack)!;
      expect(misKeyedLetter.message_key).toEqual(avroKey);
      expect(misKeyedLetter.reason).toMatch(/^contract violation: message key "\uFFFD+\*\uFFFD+" is wrong/);
      expect(heldBackLetter.message_key).toEqual(Buffer.from('FJ'));
      expect(heldBackLetter.message_headers).toMatchObject({ 'x-schema': { base64: schemaHeader.toString('base64') }, 'x-hop': ['edge', 'bridge'] });
      await expectEventually(() => expect(deadLetters.messages.filter(carrying(heldBack))).toHaveLength(1));
      expectSameBytes(deadLetters.messages.find(carrying(misKeyed))!, avroKey);
      expectSameBytes(deadLetters.messages.find(carrying(heldBack))!, Buffer.from('FJ'));

      refusing = false;
      expect(await replay.replay({ reasonContains: 'bytes spec', limit: 10 })).toMatchObject({ messages: 1, remaining: 0 });
      await expectEventually(async () => expect(await regionsApplied()).toContain('FJ'), { message: 'the held-back FJ sample applied once replayed' });
      const [first, again] = origin.messages.filter(carrying(heldBack));
      expectSameBytes(again, Buffer.from('FJ'));
      expect(again.partition).toBe(first.partition);

      // The producer is not fixed: the mis-keyed sample goes out as it came, and is refused again at its new offset.
      expect(await replay.replay({ reasonContains: 'message key', limit: 10 })).toMatchObject({ messages: 1 });
      await expectEventually(() => expect(origin.messages.filter(carrying(misKeyed))).toHaveLength(2));
      expectSameBytes(origin.messages.filter(carrying(misKeyed))[1], avroKey);
      await expectEventually(async () => expect(await kept()).toHaveLength(3), { message: 'the replayed mis-keyed sample dead-lettered again' });
    } finally {
      await consumer.stop();
      await Promise.all([origin.stop(), deadLetters.stop()]);
    }
  });

  it('sends a message once when two replays at once select two consumer groups\' records of it', async () => {
    // Two groups refused one message, each for a reason of its own; each replay selects one of the two records.
    await bed.dataSource.query(
      `INSERT INTO dead_letter (consumer_group, topic, partition, "offset", event_id, reason, message_kept, message_key, message_value, message_headers)
       VALUES ('group-a', $1, 0, 424242, NULL, 'refused by group a (two replays spec)', true, 'NZ', '{}', '{}'),
              ('group-b', $1, 0, 424242, NULL, 'refused by group b (two replays spec)', true, 'NZ', '{}', '{}')`,
      [Topics.trafficSamples],
    );
    const sent: string[] = [];
    const record = (by: string, messages: readonly OutboundMessage[]) => sent.push(...messages.map((message) => `${by}: ${message.topic} ${String(message.key)}`));
    let firstSending!: () => void;
    let releaseFirst!: () => void;
    const firstIsSending = new Promise<void>((resolve) => (firstSending = resolve));
    const firstReleased = new Promise<void>((resolve) => (releaseFirst = resolve));
    // The first replay's send is under way, its letters locked, while the second one chooses, sends and marks.
    const holding = {
      send: async (messages: readonly OutboundMessage[]) => {
        record('first', messages);
        firstSending();
        await firstReleased;
      },
    };
    let secondSent!: () => void;
    const secondHasSent = new Promise<void>((resolve) => (secondSent = resolve));
    const counting = {
      send: async (messages: readonly OutboundMessage[]) => {
        record('second', messages);
        if (messages.length > 0) secondSent();
      },
    };

    const first = new DeadLetterReplay(bed.dataSource, holding).replay({ reasonContains: 'group a (two replays spec)', limit: 10 });
    await firstIsSending;
    const second = new DeadLetterReplay(bed.dataSource, counting).replay({ reasonContains: 'group b (two replays spec)', limit: 10 });
    // The second replay either skips the message and ends, or sends it and waits for the first one's lock to mark it.
    await Promise.race([second.catch(() => undefined), secondHasSent]);
    releaseFirst();
    const [firstOutcome, secondOutcome] = await Promise.allSettled([first, second]);

    expect(sent).toEqual([`first: ${Topics.trafficSamples} NZ`]);
    expect(firstOutcome).toMatchObject({ status: 'fulfilled', value: { messages: 1, remaining: 0, replayed: [{ consumer_group: 'group-a' }, { consumer_group: 'group-b' }] } });
    expect(secondOutcome).toMatchObject({ status: 'fulfilled', value: { messages: 0, replayed: [] } });
  });

  it('dead-letters a message whose header name holds NUL without keeping it for a replay, and the partition keeps flowing', async () => {
    const consumer = effectConsumer(bed, { group: 'replay-nul-name' });
    const topic = physicalTopic(bed.settings, Topics.trafficSamples);
    // Kafka takes any header name; PostgreSQL's jsonb refuses NUL in a key, which failed the letter's record on every try.
    const oddlyNamed = JSON.stringify({ ...EventExamples['traffic.sample'], region: 'TO', value: 'many' });
    const after = JSON.stringify({ ...EventExamples['traffic.sample'], region: 'TO', value: 15, source: 'outside-pipeline' });
    await produceOnce(bed.kafka, topic, [
      { key: 'TO', value: Buffer.from(oddlyNamed), headers: { 'x\0tenant': 'acme' } },
      { key: 'TO', value: Buffer.from(after) },
    ]);
    await consumer.start();
    try {
      await expectEventually(async () => expect(await regionsApplied()).toContain('TO'), { message: 'the sample after it applied' });
      const letters: { message_kept: boolean; message_value: Buffer | null; message_headers: unknown }[] = await bed.dataSource.query(
        'SELECT message_kept, message_value, message_headers FROM dead_letter WHERE consumer_group = $1 AND reason LIKE $2',
        [consumer.groupId, 'contract violation%'],
      );
      // The group reads the topic from its start: the earlier tests' unreadable samples are dead-lettered by it too, in an
      // order the partitions' interleaving decides, and kept. The oddly named one alone is not, and no kept letter is of TO.
      expect(letters.filter((letter) => !letter.message_kept)).toEqual([{ message_kept: false, message_value: null, message_headers: null }]);
      expect(letters.filter((letter) => letter.message_value?.toString().includes('"region":"TO"'))).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });
});
