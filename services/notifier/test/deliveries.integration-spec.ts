import { createEvent, deadLetterTopicOf, encodeEvent, Topics, type HoldfastEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, physicalTopic, silentLogger, type KafkaSettings } from '@holdfast/messaging';
import { expectEventually, recordTopic, startServiceUnderTest, type ServiceUnderTest, type TopicRecorder } from '@holdfast/testing';
import type { Kafka } from 'kafkajs';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifierService } from '../src/app.module';

interface DeliveryView {
  eventId: string;
  eventType: string;
  correlationId: string;
  channel: string;
  summary: string;
}

function holdPlaced(regions: string[]): HoldfastEvent<'hold.placed'> {
  return createEvent(
    'hold.placed',
    {
      holdId: uuidv7(),
      regions,
      reason: 'Surge in IR: requests surged',
      source: 'detector',
      causeId: uuidv7(),
      placedAt: '2026-06-14T21:00:06Z',
      from: '2026-06-14T21:00:00Z',
      until: null,
      windowIds: [],
    },
    { source: 'notifier-spec' },
  );
}

describe('notifier: a delivery per placed hold, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let publisher: EventPublisher;
  let client: Kafka;
  let kafkaSettings: KafkaSettings;
  let holdDeadLetters: TopicRecorder;

  /** A hold message that breaks the contract, sent behind others on its partition: its dead letter says they were all consumed. */
  const deadLetterSentinel = async (regions: string[]): Promise<string> => {
    const sentinel = encodeEvent(holdPlaced(regions));
    const producer = client.producer();
    await producer.connect();
    await producer.send({ topic: physicalTopic(kafkaSettings, Topics.maintenanceHolds), messages: [{ key: sentinel.key, value: Buffer.from('a sentinel, not JSON'), headers: sentinel.headers }] });
    await producer.disconnect();
    return sentinel.headers.ce_id;
  };

  const deliveries = async (correlationId: string): Promise<DeliveryView[]> =>
    ((await (await service.fetch(`/v1/deliveries?correlationId=${correlationId}`)).json()) as { items: DeliveryView[] }).items;

  beforeAll(async () => {
    service = await startServiceUnderTest(notifierService);
    const { kafka } = service.config;
    kafkaSettings = kafka;
    client = createKafka(kafka, silentLogger);
    publisher = new EventPublisher(client, kafka);
    await publisher.connect();
    holdDeadLetters = await recordTopic(client, physicalTopic(kafka, deadLetterTopicOf(Topics.maintenanceHolds)), `${kafka.topicPrefix}hold-dlq-reader`);
  });

  afterAll(async () => {
    await holdDeadLetters?.stop();
    await publisher?.disconnect();
    await service?.close();
  });

  it('records one delivery for a hold.placed delivered twice', async () => {
    const hold = holdPlaced(['IR', 'eu-west']);
    const after = holdPlaced(['IR']);
    // Both are keyed by the hold's first region, so `after` comes behind both copies.
    await publisher.publish(hold, hold, after);
    await expectEventually(async () => expect(await deliveries(after.correlationid)).toHaveLength(1));
    const recorded = await deliveries(hold.correlationid);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ eventId: hold.id, eventType: 'hold.placed', channel: 'log' });
    expect(recorded[0].summary).toContain('IR, eu-west');

    // The ledger dropped the copy; without it, the second delivery would fail on its unique key and end in the dead-letter topic.
    const metrics = await (await fetch(`${service.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/holdfast_events_consumed_total\{[^}]*type="hold\.placed"[^}]*outcome="duplicate"[^}]*\} 1\b/);
    const letter = await deadLetterSentinel(['IR']);
    await expectEventually(() => expect(holdDeadLetters.messages.map((message) => message.headers.ce_id)).toContain(letter));
    expect(holdDeadLetters.messages.map((message) => message.headers.ce_id).filter((id) => id === hold.id)).toEqual([]);
  });
});
