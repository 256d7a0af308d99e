import { Topics } from '@holdfast/contracts';
import { expectEventually, recordTopic } from '@holdfast/testing';
import { Kafka, logLevel } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// e2e/support is no Nx project: its private broker is how a spec pauses a broker without pausing the shared one.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startPrivateBroker, type PrivateBroker } from '../../../../e2e/support/private-broker';
import { KAFKA_RETRY } from '../kafka/kafka-client.factory';
import { physicalTopic } from '../kafka/kafka-settings';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { createMessagingTestBed, sampleEvent, TEST_SCHEMA, type MessagingTestBed } from '../testing/messaging-test-bed';
import { OutboxRelay } from './outbox-relay';
import { OutboxWriter } from './outbox-writer';

const sample = (value: number) => sampleEvent('TW', value, 'unanswered-send-spec');

/**
 * The broker appends a request whose answer kafkajs has stopped waiting for: a paused broker (SIGSTOP)
 * reads what was sent to it only once it runs again (SIGCONT). kafkajs winds the partition's sequence
 * number back on giving up, so the rows the relay sends next start at a sequence the broker already has.
 */
describe('outbox relay after a send the broker appended but never answered, on a broker of its own', () => {
  let broker: PrivateBroker;
  let bed: MessagingTestBed;
  let paused = false;
  const warnings: string[] = [];
  const logger: MessagingLogger = { debug() {}, info() {}, error() {}, warn: (_fields, message) => void warnings.push(message) };

  const pause = (signal: 'SIGSTOP' | 'SIGCONT') => {
    // The pid file of the broker the spec started (local-kafka.mjs writes it), not some other Kafka process.
    process.kill(Number(readFileSync(broker.config.pidFile, 'utf8').trim()), signal);
    paused = signal === 'SIGSTOP';
  };
  const relayFailures = () => warnings.filter((message) => message.startsWith('outbox relay could not publish')).length;

  beforeAll(async () => {
    broker = await startPrivateBroker('relay-unanswered-send');
    bed = await createMessagingTestBed('relay-unanswered-send', [Topics.trafficSamples], {
      brokers: broker.config.brokers,
      // kafkajs gives up after three answers that do not come within 1 s; the services' client waits 30 s for each of eleven.
      kafka: (settings) =>
        new Kafka({ clientId: settings.clientId, brokers: settings.brokers, connectionTimeout: 1_000, requestTimeout: 1_000, retry: { ...KAFKA_RETRY, retries: 2 }, logLevel: logLevel.NOTHING }),
      logger,
    });
  });

  afterAll(async () => {
    try {
      if (paused) pause('SIGCONT');
      await bed?.close();
    } finally {
      // Whatever happened above: a broker left running outlives the run and holds 400 MB.
      await broker?.remove();
    }
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

      pause('SIGSTOP');
      const unanswered = sample(2);
      await write(unanswered);
      await expectEventually(() => expect(relayFailures()).toBeGreaterThan(0), { timeoutMs: 30_000, message: 'kafkajs gives up on the row the paused broker holds unread' });
      const behind = sample(3);
      await write(behind);
      // The attempt under way as it was written may have held the first row alone: the one after it holds both.
      const failuresBefore = relayFailures();
      await expectEventually(() => expect(relayFailures()).toBeGreaterThanOrEqual(failuresBefore + 2), { timeoutMs: 30_000, message: 'a relay attempt sends both rows to the paused broker' });
      pause('SIGCONT');

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
