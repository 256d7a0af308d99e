import { deadLetterTopicOf, TOPIC_RETENTION_DAYS, TopicSpecs, type TopicSpec } from '@holdfast/contracts';
import { expectEventually, testEnvironment, uniqueTestId } from '@holdfast/testing';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from './kafka-client.factory';
import { physicalTopic, type KafkaSettings } from './kafka-settings';
import { silentLogger } from './messaging-logger';
import { provisionTopics, topicsOutliving } from './topic-provisioner';

const specs: TopicSpec[] = Object.values(TopicSpecs);

describe('topic provisioning against the real broker', () => {
  const admins: Admin[] = [];

  beforeAll(async () => {
    const { kafkaBrokers } = testEnvironment();
    // Three admins stand for three services starting side by side against one broker.
    for (const clientId of ['planner', 'analyzer', 'notifier']) {
      const admin = createKafka({ brokers: kafkaBrokers, clientId, topicPrefix: '' }, silentLogger).admin();
      await admin.connect();
      admins.push(admin);
    }
  });

  afterAll(async () => {
    await Promise.all(admins.map((admin) => admin.disconnect()));
  });

  it('lets services race to create the same topics, each one ending with every partition led', async () => {
    for (let round = 0; round < 3; round++) {
      const settings: Pick<KafkaSettings, 'topicPrefix'> = { topicPrefix: `${uniqueTestId('provision')}.` };
      const created = await Promise.all(admins.map((admin) => provisionTopics(admin, settings, specs)));

      const everyTopic = specs.flatMap((spec) => [physicalTopic(settings, spec.name), physicalTopic(settings, deadLetterTopicOf(spec.name))]);
      // Whoever won each race, between them they created every topic.
      expect(created.flat().sort()).toEqual(expect.arrayContaining(everyTopic.sort()));
      const { topics } = await admins[0].fetchTopicMetadata({ topics: everyTopic });
      for (const spec of specs) {
        const topic = topics.find((candidate) => candidate.name === physicalTopic(settings, spec.name));
        expect(topic?.partitions, spec.name).toHaveLength(spec.partitions);
        expect(topic?.partitions.every((partition) => partition.leader >= 0)).toBe(true);
        const deadLetters = topics.find((candidate) => candidate.name === physicalTopic(settings, deadLetterTopicOf(spec.name)));
        expect(deadLetters?.partitions).toHaveLength(1);
      }
    }
  });

  it('creates nothing the second time, keeps compacted topics compacted and the others for the retention the ledgers outlive', async () => {
    const settings = { topicPrefix: `${uniqueTestId('provision-again')}.` };
    await provisionTopics(admins[0], settings, specs);

    expect(await provisionTopics(admins[1], settings, specs)).toEqual([]);
    const compacted = specs.filter((spec) => spec.compacted).map((spec) => physicalTopic(settings, spec.name));
    expect(compacted.length).toBeGreaterThan(0);
    const { resources } = await admins[0].describeConfigs({
      includeSynonyms: false,
      resources: compacted.map((name) => ({ type: 2, name, configNames: ['cleanup.policy'] })),
    });
    for (const resource of resources) expect(resource.configEntries[0].configValue, resource.resourceName).toBe('compact');
    const kept = await admins[0].describeConfigs({
      includeSynonyms: false,
      resources: specs.filter((spec) => !spec.compacted).map((spec) => ({ type: 2, name: physicalTopic(settings, spec.name), configNames: ['retention.ms'] })),
    });
    for (const resource of kept.resources) expect(resource.configEntries[0].configValue, resource.resourceName).toBe(String(TOPIC_RETENTION_DAYS * 86_400_000));
  });

  it('names the topics that keep messages longer than a ledger keeps its rows', async () => {
    const settings = { topicPrefix: `${uniqueTestId('provision-retention')}.` };
    await provisionTopics(admins[0], settings, specs);
    const days = (count: number) => count * 86_400_000;
    expect(await topicsOutliving(admins[0], settings, specs, days(7))).toEqual([]);
    // A topic created before Holdfast set retention.ms, as a long-lived broker may hold: the broker default, a week.
    const older = { topicPrefix: `${uniqueTestId('provision-older')}.` };
    await admins[0].createTopics({
      waitForLeaders: false,
      topics: [{ topic: physicalTopic(older, TopicSpecs['region.surges.v1'].name), numPartitions: 1, configEntries: [{ name: 'retention.ms', value: String(days(7)) }] }],
    });
    // The broker's metadata may lag the topic it just created.
    await expectEventually(async () => expect(await topicsOutliving(admins[0], older, [TopicSpecs['region.surges.v1']], days(7))).toEqual([]));
    expect(await topicsOutliving(admins[0], older, [TopicSpecs['region.surges.v1']], days(6))).toEqual([physicalTopic(older, 'region.surges.v1')]);
  });
});
