/** The notifier's name on the wire: Kafka client id, consumer group prefix. */
export const SERVICE_NAME = 'notifier';
