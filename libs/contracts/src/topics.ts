/**
 * Kafka topic names. DO NOT CHANGE THE VALUES: they are wire identifiers, read by deployed consumers
 * and kept in the broker. A breaking change gets a new topic (`.v2`), never an edited name.
 */
export const Topics = {
  trafficSamples: 'traffic.samples.v1',
  regionBaselines: 'region.baselines.v1',
  regionSurges: 'region.surges.v1',
  regionSignals: 'region.signals.v1',
  maintenanceWindows: 'maintenance.windows.v1',
  maintenanceHolds: 'maintenance.holds.v1',
  apiKeys: 'api.keys.v1',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  /** Compacted topics keep the latest event per key (a state table), not a history. */
  compacted: boolean;
  key: 'region' | 'region/metric' | 'window id' | 'key id';
  /**
   * Pipelines outside Holdfast write here, so consumers accept the forms DESIGN.md section 4 lists
   * (CloudEvents binary mode with the required attributes only, structured mode, a bare JSON
   * payload). Every other topic carries only what Holdfast produces, checked strictly.
   */
  externalProducers: boolean;
  description: string;
  /**
   * What a tombstone (a record of the key with a null value, Kafka's way of deleting a key on a
   * compacted topic) says on this topic. Only a compacted topic may carry them, and only one that
   * says what they mean: elsewhere a null value is no event, and consumers dead-letter it.
   */
  tombstone?: string;
}

// Six partitions lets up to six consumer replicas share the per-region and per-window streams;
// baselines change hourly at most and are read whole at start-up, so three is plenty.
export const TopicSpecs: Record<TopicName, TopicSpec> = {
  [Topics.trafficSamples]: {
    name: Topics.trafficSamples,
    partitions: 6,
    compacted: false,
    key: 'region',
    externalProducers: true,
    description: 'Traffic measurements per region and metric, from pipelines and the impact-analyzer HTTP intake.',
  },
  [Topics.regionBaselines]: {
    name: Topics.regionBaselines,
    partitions: 3,
    compacted: true,
    key: 'region/metric',
    externalProducers: false,
    description: 'Learned hour-of-week traffic profile per region and metric; the latest per key survives compaction.',
    tombstone: 'The series was retired (DELETE /v1/regions/{region}/series/{metric}): it has no baseline any more, and a copy kept of it is to be dropped.',
  },
  [Topics.regionSurges]: {
    name: Topics.regionSurges,
    partitions: 6,
    compacted: false,
    key: 'region',
    externalProducers: false,
    description: 'Surges detected from traffic, raised by alerts or declared for a critical period, per region.',
  },
  [Topics.regionSignals]: {
    name: Topics.regionSignals,
    partitions: 6,
    compacted: false,
    key: 'region',
    externalProducers: false,
    description: 'Signal loss per region and metric: samples that stopped for longer than the region allows, and their return.',
  },
  [Topics.maintenanceWindows]: {
    name: Topics.maintenanceWindows,
    partitions: 6,
    compacted: false,
    key: 'window id',
    externalProducers: false,
    description: 'Lifecycle of maintenance windows; every event carries the window as it is after the change.',
  },
  [Topics.maintenanceHolds]: {
    name: Topics.maintenanceHolds,
    partitions: 6,
    compacted: false,
    // A hold may span regions: its key is its lowest region code, so all events of one hold stay ordered.
    key: 'region',
    externalProducers: false,
    description: "Holds placed, released and overridden; keyed by the hold's lowest region code.",
  },
  [Topics.apiKeys]: {
    name: Topics.apiKeys,
    // Keys change rarely and every service reads the whole topic: one partition keeps it simple.
    partitions: 1,
    compacted: true,
    key: 'key id',
    externalProducers: false,
    description: 'State of every API key (hash, team, scopes, revocation; never the key), so each service authenticates locally.',
  },
};

/**
 * How long the broker keeps the messages of a non-compacted topic (retention.ms, set when the topic
 * is created). Consumers' processed-event ledgers must keep their rows longer, so that any message
 * still in a topic is still recognised as a duplicate.
 */
export const TOPIC_RETENTION_DAYS = 5;

export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;
