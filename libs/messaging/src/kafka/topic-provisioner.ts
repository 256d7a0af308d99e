import { deadLetterTopicOf, type TopicSpec } from '@holdfast/contracts';
import type { Admin, ITopicConfig } from 'kafkajs';
import { physicalTopic, type KafkaSettings } from './kafka-settings';

/**
 * Creates each topic and its dead-letter topic with the partition count the contract gives,
 * since the broker never auto-creates topics. Topics that exist already are left as they are.
 */
export async function provisionTopics(admin: Admin, settings: Pick<KafkaSettings, 'topicPrefix'>, specs: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const wanted: ITopicConfig[] = specs.flatMap((spec) => [
    {
      topic: physicalTopic(settings, spec.name),
      numPartitions: spec.partitions,
      replicationFactor: -1,
      configEntries: spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [],
    },
    // One partition keeps the dead letters of a topic in the order they failed.
    { topic: physicalTopic(settings, deadLetterTopicOf(spec.name)), numPartitions: 1, replicationFactor: -1 },
  ]);
  const missing = wanted.filter((topic) => !existing.has(topic.topic));
  if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
  return missing.map((topic) => topic.topic);
}
