/** The planner's name on the wire: event source, Kafka client id, consumer group prefix. */
export const SERVICE_NAME = 'maintenance-planner';
