/**
 * Kafka consumer groups, one per (service, topic). DO NOT CHANGE THE VALUES: a group name is a wire
 * identifier (the broker keeps its offsets under it) and keys each service's processed-event
 * ledger, so a renamed group re-reads its topic from the start. A deployment prefix
 * (KAFKA_TOPIC_PREFIX) is added in front at run time.
 */
export const ConsumerGroups = {
  plannerSurges: 'maintenance-planner.holds',
  plannerBaselines: 'maintenance-planner.baselines',
  analyzerSamples: 'impact-analyzer.samples',
  notifierHolds: 'notifier.holds',
  notifierWindows: 'notifier.windows',
  notifierSurges: 'notifier.surges',
  // Retired on 2026-12-05 (the planner writes its own key copy); kept so the name is never given to another consumer.
  plannerKeys: 'maintenance-planner.keys',
  analyzerKeys: 'impact-analyzer.keys',
  notifierKeys: 'notifier.keys',
  notifierSignals: 'notifier.signals',
} as const;
export type ConsumerGroup = (typeof ConsumerGroups)[keyof typeof ConsumerGroups];
