import { TopicSpecs } from '@holdfast/contracts';
import type { Admin, ITopicConfig, ITopicMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { provisionTopics } from './topic-provisioner';

const unknownTopic = () => Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION' });

/**
 * A broker whose metadata lags its controller, as a loaded KRaft broker's does: a created topic is
 * unknown to the next `lag` metadata requests. Asked to wait for leaders itself, it fails the way
 * kafkajs does, on the first unknown-topic answer.
 */
function laggingBroker(lag: number) {
  const created = new Map<string, ITopicConfig>();
  let unknownFor = 0;
  const metadata = (topics: string[]): ITopicMetadata[] => {
    if (unknownFor > 0) {
      unknownFor--;
      throw unknownTopic();
    }
    return topics.map((name) => {
      const config = created.get(name);
      if (!config) throw unknownTopic();
      return { name, partitions: Array.from({ length: config.numPartitions ?? 1 }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 })) };
    });
  };
  const admin = {
    listTopics: async () => [...created.keys()],
    createTopics: async ({ topics, waitForLeaders = true }: { topics: ITopicConfig[]; waitForLeaders?: boolean }) => {
      for (const topic of topics) created.set(topic.topic, topic);
      unknownFor = lag;
      if (waitForLeaders) metadata(topics.map((topic) => topic.topic));
      return true;
    },
    fetchTopicMetadata: async ({ topics }: { topics: string[] }) => ({ topics: metadata(topics) }),
  };
  return { admin: admin as unknown as Admin, created };
}

describe('provisionTopics', () => {
  it('waits out a broker whose metadata has not caught up with the topics it just created', async () => {
    const { admin, created } = laggingBroker(3);

    const names = await provisionTopics(admin, { topicPrefix: 'lag.' }, [TopicSpecs['traffic.samples.v1']]);

    expect(names).toEqual(['lag.traffic.samples.v1', 'lag.traffic.samples.v1.dlq']);
    expect(created.get('lag.traffic.samples.v1')?.numPartitions).toBe(TopicSpecs['traffic.samples.v1'].partitions);
    expect(created.get('lag.traffic.samples.v1.dlq')?.numPartitions).toBe(1);
  });

  it('creates only what is missing', async () => {
    const { admin } = laggingBroker(0);
    await provisionTopics(admin, { topicPrefix: '' }, [TopicSpecs['traffic.samples.v1']]);

    expect(await provisionTopics(admin, { topicPrefix: '' }, [TopicSpecs['traffic.samples.v1'], TopicSpecs['region.surges.v1']])).toEqual([
      'region.surges.v1',
      'region.surges.v1.dlq',
    ]);
  });

  it('takes a topic another service created first as done, and names each topic the broker refused and why', async () => {
    const { admin } = laggingBroker(0);
    const refusal = (type: string, topic: string, message: string) => Object.assign(new Error(message), { type, topic });
    const creationErrors = (...errors: Error[]) => Object.assign(new Error('Topic creation errors'), { errors });
    // Another service created the topics between this one's listing and its request.
    await admin.createTopics({ topics: [{ topic: 'traffic.samples.v1', numPartitions: 6 }, { topic: 'traffic.samples.v1.dlq' }] });
    const lost = { ...admin, listTopics: async () => [], createTopics: async () => Promise.reject(creationErrors(refusal('TOPIC_ALREADY_EXISTS', 'traffic.samples.v1', 'Topic with this name already exists'))) } as unknown as Admin;
    await expect(provisionTopics(lost, { topicPrefix: '' }, [TopicSpecs['traffic.samples.v1']])).resolves.toEqual(['traffic.samples.v1', 'traffic.samples.v1.dlq']);

    const refused = {
      ...laggingBroker(0).admin,
      createTopics: async () =>
        Promise.reject(
          creationErrors(
            refusal('TOPIC_ALREADY_EXISTS', 'region.surges.v1', 'Topic with this name already exists'),
            refusal('TOPIC_AUTHORIZATION_FAILED', 'region.surges.v1.dlq', 'Not authorized to access topics: [Topic authorization failed]'),
          ),
        ),
    } as unknown as Admin;
    await expect(provisionTopics(refused, { topicPrefix: '' }, [TopicSpecs['region.surges.v1']])).rejects.toThrow(
      "Kafka refused to create region.surges.v1.dlq (Not authorized to access topics: [Topic authorization failed]): let this service's Kafka user create topics, or create them beforehand",
    );
  });
});
