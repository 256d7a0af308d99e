/**
 * Kafka topic names. DO NOT CHANGE THE VALUES: they are wire identifiers, read by deployed consumers
 * and kept in the broker. A breaking change gets a new topic (`.v2`), never an edited name.
 */
export const Topics = {
  trafficSamples: 'traffic.samples.v1',
  regionBaselines: 'region.baselines.v1',
  regionSurges: 'region.surges.v1',
  maintenanceWindows: 'maintenance.windows.v1',
  maintenanceHolds: 'maintenance.holds.v1',
} as const;
export type TopicName = (typeof Topics)[keyof typeof Topics];

export interface TopicSpec {
  name: TopicName;
  partitions: number;
  /** Compacted topics keep the latest event per key (a state table), not a history. */
  compacted: boolean;
  key: 'region' | 'region/metric' | 'window id';
  /**
   * Pipelines outside Holdfast write here, so consumers accept the forms DESIGN.md section 4 lists
   * (CloudEvents binary mode with the required attributes only, structured mode, a bare JSON
   * payload). Every other topic carries only what Holdfast produces, checked strictly.
   */
  externalProducers: boolean;
  description: string;
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
  },
  [Topics.regionSurges]: {
    name: Topics.regionSurges,
    partitions: 6,
    compacted: false,
    key: 'region',
    externalProducers: false,
    description: 'Surges detected from traffic, raised by alerts or declared for a critical period, per region.',
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
};

export const deadLetterTopicOf = (topic: string): string => `${topic}.dlq`;
