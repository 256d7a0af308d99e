import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { expectEventually } from './expect-eventually';
import { produceOnce } from './produce-once';
import { testEnvironment } from './test-environment';
import { recordTopic } from './topic-recorder';
import { uniqueTestId } from './unique-test-id';

describe('recordTopic', () => {
  const id = uniqueTestId('topic-recorder');
  const kafka = new Kafka({ clientId: id, brokers: testEnvironment().kafkaBrokers, logLevel: logLevel.NOTHING });

  it('reads the topic from its start however often its group has recorded it before', async () => {
    const topic = `${id}.maintenance.holds.v1`;
    const group = `${id}-hold-reader`;
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false });
      // kafkajs's own leader wait gives up if the broker's metadata lags the controller: poll instead.
      await expectEventually(async () => expect((await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions[0].leader).toBeGreaterThanOrEqual(0));
    } finally {
      await admin.disconnect();
    }
    await produceOnce(kafka, topic, [{ key: 'IR', value: 'hold.placed' }, { key: 'IR', value: 'hold.released' }]);

    const first = await recordTopic(kafka, topic, group);
    await expectEventually(() => expect(first.messages.map((message) => message.value)).toEqual(['hold.placed', 'hold.released']));
    await first.stop();

    // A second spec of the file reusing the group name: it must not start where the first one stopped.
    await produceOnce(kafka, topic, [{ key: 'IR', value: 'hold.extended' }]);
    const second = await recordTopic(kafka, topic, group);
    try {
      await expectEventually(() => expect(second.messages.map((message) => message.value)).toEqual(['hold.placed', 'hold.released', 'hold.extended']));
    } finally {
      await second.stop();
    }
  });
});
