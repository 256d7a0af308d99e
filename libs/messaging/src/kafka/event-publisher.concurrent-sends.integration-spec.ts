import { Topics } from '@holdfast/contracts';
import { expectEventually, recordTopic } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../testing/messaging-test-bed';
import { createPausableBrokerBed, type PausableBrokerBed } from '../testing/pausable-broker-bed';
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
  let bed: PausableBrokerBed;

  beforeAll(async () => {
    bed = await createPausableBrokerBed('publisher-concurrent-sends', [Topics.trafficSamples]);
  });

  afterAll(async () => {
    await bed?.close();
  });

  it('has every send it reports as published on the topic', async () => {
    const first = sample(1);
    await bed.publisher.publish(first);

    bed.pause();
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
    bed.resume();
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
