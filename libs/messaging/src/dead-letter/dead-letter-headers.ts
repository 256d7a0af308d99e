/** Headers added to a dead letter, beside the original message's own headers. */
export const DeadLetterHeaders = {
  reason: 'holdfast-dlq-reason',
  originTopic: 'holdfast-dlq-origin-topic',
  originPartition: 'holdfast-dlq-origin-partition',
  originOffset: 'holdfast-dlq-origin-offset',
  consumerGroup: 'holdfast-dlq-consumer-group',
  attempts: 'holdfast-dlq-attempts',
  failedAt: 'holdfast-dlq-failed-at',
  /** The original body's size in bytes, on a dead letter sent without it because the broker would refuse it: read it at the origin offset. */
  bodyOmitted: 'holdfast-dlq-body-omitted-bytes',
} as const;
