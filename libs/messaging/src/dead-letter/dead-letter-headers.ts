/** Headers added to a dead letter, beside the original message's own headers. */
export const DeadLetterHeaders = {
  reason: 'holdfast-dlq-reason',
  originTopic: 'holdfast-dlq-origin-topic',
  originPartition: 'holdfast-dlq-origin-partition',
  originOffset: 'holdfast-dlq-origin-offset',
  consumerGroup: 'holdfast-dlq-consumer-group',
  attempts: 'holdfast-dlq-attempts',
  failedAt: 'holdfast-dlq-failed-at',
} as const;
