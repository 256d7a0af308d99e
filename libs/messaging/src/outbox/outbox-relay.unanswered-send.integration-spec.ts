import { Topics } from '@holdfast/contracts';
import { expectEventually, recordTopic } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { physicalTopic } from '../kafka/kafka-settings';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { sampleEvent, TEST_SCHEMA } from '../testing/messaging-test-bed';
import { createPausableBrokerBed, type PausableBrokerBed } from '../testing/pausable-broker-bed';
import { OutboxRelay } from './outbox-relay';
import { OutboxWriter } from './outbox-writer';

const sample = (value: number) => sampleEvent('TW', value, 'unanswered-send-spec');

/**
 * The broker appends a request whose answer kafkajs has stopped waiting for: a paused broker (SIGSTOP)
 * reads what was sent to it only once it runs again (SIGCONT). kafkajs winds the partition's sequence
 * number back on giving up, so the rows the relay sends next start at a sequence the broker already has.
 */
describe('outbox relay after a send the broker appended but never answered, on a broker of its own', () => {
  let bed: PausableBrokerBed;
  const warnings: string[] = [];
  const logger: MessagingLogger = { debug() {}, info() {}, error() {}, warn: (_fields, message) => void warnings.push(message) };

  const relayFailures = () => warnings.filter((message) => message.startsWith('outbox relay could not publish')).length;

  beforeAll(async () => {
    bed = await createPausableBrokerBed('relay-unanswered-send', [Topics.trafficSamples], { logger });
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('publishes every row once the broker answers again, through a new producer', async () => {
    const outbox = new OutboxWriter(TEST_SCHEMA);
    const relay = new OutboxRelay({ dataSource: bed.dataSource, publisher: bed.publisher, logger, pollIntervalMs: 100 });
    const write = (event: ReturnType<typeof sample>) => bed.dataSource.transaction((transaction) => outbox.add(transaction, event));
    const pending = async () => (await bed.dataSource.query('SELECT count(*)::int AS pending FROM outbox_message WHERE published_at IS NULL AND refused_at IS NULL'))[0].pending;
    relay.start();
    try {
      const first = sample(1);
      await write(first);
      await expectEventually(async () => expect(await pending()).toBe(0));

      bed.pause();
      const unanswered = sample(2);
      await write(unanswered);
      await expectEventually(() => expect(relayFailures()).toBeGreaterThan(0), { timeoutMs: 30_000, message: 'kafkajs gives up on the row the paused broker holds unread' });
      const behind = sample(3);
      await write(behind);
      // The attempt under way as it was written may have held the first row alone: the one after it holds both.
      const failuresBefore = relayFailures();
      await expectEventually(() => expect(relayFailures()).toBeGreaterThanOrEqual(failuresBefore + 2), { timeoutMs: 30_000, message: 'a relay attempt sends both rows to the paused broker' });
      bed.resume();

      await expectEventually(async () => expect(await pending()).toBe(0), { timeoutMs: 30_000, message: 'the relay publishes the rows behind the one the broker appended unanswered' });
      expect(warnings.some((message) => message.startsWith('Kafka producer replaced after a failed send'))).toBe(true);

      const recorder = await recordTopic(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), `${bed.settings.topicPrefix}recorder`);
      try {
        // The appended row is on the topic twice (sent again under the new producer id), which consumers apply once by event id.
        await expectEventually(() => expect(new Set(recorder.messages.map((message) => message.headers.ce_id))).toEqual(new Set([first.id, unanswered.id, behind.id])));
        expect([...new Set(recorder.messages.map((message) => message.headers.ce_id))]).toEqual([first.id, unanswered.id, behind.id]);
      } finally {
        await recorder.stop();
      }
    } finally {
      await relay.stop();
    }
  }, 180_000);
});
