import { deadLetterTopicOf, TOPIC_RETENTION_DAYS, type TopicSpec } from '@holdfast/contracts';
import { backOff } from 'exponential-backoff';
import { ConfigResourceTypes, type Admin, type ITopicConfig } from 'kafkajs';
import { physicalTopic, type KafkaSettings } from './kafka-settings';
import type { MessagingLogger } from './messaging-logger';

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
      const refused = refusedCreations(error);
      if (refused.length > 0) {
        throw new Error(
          `Kafka refused to create ${refused.map(({ topic, reason }) => `${topic} (${reason})`).join(', ')}: let this service's Kafka user create topics, or create them beforehand with the partitions and settings libs/contracts gives (TopicSpecs; a .dlq topic of one partition beside each).`,
          { cause: error },
        );
      }
    }
  }
  await waitForLeaders(admin, wanted.map((topic) => topic.topic));
  return missing.map((topic) => topic.topic);
}

/**
 * The non-compacted topics whose broker keeps messages longer than `retentionMs` (topics created
 * before Holdfast set retention.ms, or changed by hand): a message redelivered from them after its
 * ledger row was pruned would be applied a second time.
 */
export async function topicsOutliving(admin: Admin, settings: Pick<KafkaSettings, 'topicPrefix'>, specs: readonly TopicSpec[], retentionMs: number): Promise<string[]> {
  const names = specs.filter((spec) => !spec.compacted).map((spec) => physicalTopic(settings, spec.name));
  if (names.length === 0) return [];
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
  });
  return resources
    .filter((resource) => {
      const kept = Number(resource.configEntries.find((entry) => entry.configName === 'retention.ms')?.configValue);
      // -1 keeps messages forever.
      return kept < 0 || kept > retentionMs;
    })
    .map((resource) => resource.resourceName);
}

/** Says which topics a redelivery could come from after the ledger forgot the event; never fails a start. */
export async function warnOfTopicsOutlivingTheLedger(
  admin: Admin,
  { kafka, topics }: { kafka: Pick<KafkaSettings, 'topicPrefix'>; topics: readonly TopicSpec[] },
  ledgerRetentionMs: number,
  logger: MessagingLogger,
): Promise<void> {
  try {
    const outliving = await topicsOutliving(admin, kafka, topics, ledgerRetentionMs);
    if (outliving.length === 0) return;
    logger.warn(
      { topics: outliving, ledgerRetentionDays: ledgerRetentionMs / 86_400_000 },
      'these topics keep messages longer than the processed-event ledger, so a redelivery from them could apply an event twice: lower their retention.ms or raise PROCESSED_EVENT_RETENTION_DAYS',
    );
  } catch (error) {
    logger.warn({ err: error }, 'could not read the retention of the topics; the processed-event ledger may not outlive them');
  }
}

/**
 * The topics the broker refused to create, with its reason, from kafkajs's "Topic creation errors"
 * (one error a topic); a topic another service created first is no refusal. An error of another
 * kind (the broker away) is thrown as it is.
 */
function refusedCreations(error: unknown): { topic: string; reason: string }[] {
  if ((error as { type?: string }).type === 'TOPIC_ALREADY_EXISTS') return [];
  const perTopic = (error as { errors?: { type?: string; topic?: string; message?: string }[] }).errors;
  if (!Array.isArray(perTopic)) throw error;
  return perTopic.filter((refusal) => refusal.type !== 'TOPIC_ALREADY_EXISTS').map((refusal) => ({ topic: String(refusal.topic), reason: String(refusal.message) }));
}

/**
 * Waits until every partition of `topics` has a leader. Create topics with `waitForLeaders: false`
 * and wait with this: kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION while the broker's
 * metadata catches up with the controller.
 */
export async function waitForLeaders(admin: Admin, topics: string[]): Promise<void> {
  await backOff(
    async () => {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const leaderless = metadata.filter((topic) => topic.partitions.length === 0 || topic.partitions.some((partition) => partition.leader < 0));
      if (leaderless.length > 0) throw new Error(`topics without a leader yet: ${leaderless.map((topic) => topic.name).join(', ')}`);
    },
    { numOfAttempts: 20, startingDelay: 50, maxDelay: 1_000 },
  );
}
