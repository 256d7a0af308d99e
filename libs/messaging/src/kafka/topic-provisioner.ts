import { deadLetterTopicOf, TOPIC_RETENTION_DAYS, type TopicSpec } from '@holdfast/contracts';
import { backOff } from 'exponential-backoff';
import type { Admin, ITopicConfig } from 'kafkajs';
import { physicalTopic, type KafkaSettings } from './kafka-settings';

/**
 * Creates each topic and its dead-letter topic with the partition count the contract gives,
 * since the broker never auto-creates topics, then waits until every partition has a leader.
 * Services start side by side and may race to create the same topic: losing that race is fine.
 */
export async function provisionTopics(admin: Admin, settings: Pick<KafkaSettings, 'topicPrefix'>, specs: readonly TopicSpec[]): Promise<string[]> {
  const wanted: ITopicConfig[] = specs.flatMap((spec) => [
    {
      topic: physicalTopic(settings, spec.name),
      numPartitions: spec.partitions,
      replicationFactor: -1,
      // Set, not left to the broker's default, because consumers' ledgers must outlive it (TOPIC_RETENTION_DAYS).
      configEntries: spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : [{ name: 'retention.ms', value: String(TOPIC_RETENTION_DAYS * 86_400_000) }],
    },
    // One partition keeps the dead letters of a topic in the order they failed.
    { topic: physicalTopic(settings, deadLetterTopicOf(spec.name)), numPartitions: 1, replicationFactor: -1 },
  ]);
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((topic) => !existing.has(topic.topic));
  if (missing.length > 0) {
    try {
      // kafkajs's own wait gives up when the broker's metadata has not caught up with the
      // controller yet (UNKNOWN_TOPIC_OR_PARTITION, seen under load), so waitForLeaders below waits.
      await admin.createTopics({ topics: missing, waitForLeaders: false });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  await waitForLeaders(admin, wanted.map((topic) => topic.topic));
  return missing.map((topic) => topic.topic);
}

function isAlreadyExists(error: unknown): boolean {
  const nested = (error as { errors?: unknown[] }).errors ?? [];
  return [error, ...nested].some((candidate) => (candidate as { type?: string })?.type === 'TOPIC_ALREADY_EXISTS');
}

async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  await backOff(
    async () => {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const leaderless = metadata.filter((topic) => topic.partitions.length === 0 || topic.partitions.some((partition) => partition.leader < 0));
      if (leaderless.length > 0) throw new Error(`topics without a leader yet: ${leaderless.map((topic) => topic.name).join(', ')}`);
    },
    { numOfAttempts: 20, startingDelay: 50, maxDelay: 1_000 },
  );
}
