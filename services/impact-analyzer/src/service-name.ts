/** The analyzer's name on the wire: event source, Kafka client id, consumer group prefix. */
export const SERVICE_NAME = 'impact-analyzer';
