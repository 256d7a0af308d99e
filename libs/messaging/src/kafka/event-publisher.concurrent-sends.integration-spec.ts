import { Topics } from '@holdfast/contracts';
import { expectEventually, recordTopic } from '@holdfast/testing';
import { Kafka, logLevel } from 'kafkajs';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// e2e/support is no Nx project: its private broker is how a spec pauses a broker without pausing the shared one.
// eslint-disable-next-line @nx/enforce-module-boundaries -- see above
import { startPrivateBroker, type PrivateBroker } from '../../../../e2e/support/private-broker';
import { createMessagingTestBed, sampleEvent, type MessagingTestBed } from '../testing/messaging-test-bed';
import { KAFKA_RETRY } from './kafka-client.factory';
import { physicalTopic } from './kafka-settings';

const sample = (value: number) => sampleEvent('TW', value, 'concurrent-sends-spec');

/**
 * Two callers send at once on one region's partition (two sample posts, say, or the relay and a
 * dead letter) while the broker is paused (SIGSTOP): it reads what was sent only once it runs again
 * (SIGCONT), so the first request is appended but never answered. kafkajs winds the partition's
 * sequence number back each time a request times out, and the other caller's request, waiting on
 * the same producer, goes next with that sequence number: the broker takes it for a resend of the
 * first and drops it while answering success (or, of another length, refuses it as out of order).
 */
describe('EventPublisher, two sends at once while the broker appends a request it does not answer, on a broker of its own', () => {
  let broker: PrivateBroker;
  let bed: MessagingTestBed;
  let paused = false;

  const pause = (signal: 'SIGSTOP' | 'SIGCONT') => {
    // The pid file of the broker the spec started (local-kafka.mjs writes it), not some other Kafka process.
    process.kill(Number(readFileSync(broker.config.pidFile, 'utf8').trim()), signal);
    paused = signal === 'SIGSTOP';
  };

  beforeAll(async () => {
    broker = await startPrivateBroker('publisher-concurrent-sends');
    bed = await createMessagingTestBed('publisher-concurrent-sends', [Topics.trafficSamples], {
      brokers: broker.config.brokers,
      // kafkajs gives up after three answers that do not come within 1 s; the services' client waits 30 s for each of eleven.
      kafka: (settings) =>
        new Kafka({ clientId: settings.clientId, brokers: settings.brokers, connectionTimeout: 1_000, requestTimeout: 1_000, retry: { ...KAFKA_RETRY, retries: 2 }, logLevel: logLevel.NOTHING }),
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

  it('has every send it reports as published on the topic', async () => {
    const first = sample(1);
    await bed.publisher.publish(first);

    pause('SIGSTOP');
    const together = [sample(2), sample(3)];
    const outcomes: string[] = [];
    const sends = together.map((event) => bed.publisher.publish(event)).map((send) =>
      send.then(
        () => void outcomes.push('published'),
        (error: Error) => void outcomes.push(`${error.name}: ${error.message}`),
      ),
    );
    // kafkajs gives up on a request the paused broker holds unread; as it does, the broker runs again, the other send under way.
    await Promise.race(sends);
    pause('SIGCONT');
    await Promise.all(sends);
    expect(outcomes[0]).toMatch(/^KafkaJSNumberOfRetriesExceeded: /);
    expect(outcomes[1], 'the send still under way as the broker ran again').toBe('published');

    const recorder = await recordTopic(bed.kafka, physicalTopic(bed.settings, Topics.trafficSamples), `${bed.settings.topicPrefix}recorder`);
    try {
      // The send given up on was appended all the same (its caller, told of a failure, would send it again: a copy).
      await expectEventually(() => expect(new Set(recorder.messages.map((message) => message.headers.ce_id))).toEqual(new Set([first.id, ...together.map((event) => event.id)])), {
        message: 'the sample of the send reported as published is on the topic',
      });
    } finally {
      await recorder.stop();
    }
  }, 120_000);
});
