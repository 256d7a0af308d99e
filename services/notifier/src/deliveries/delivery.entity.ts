import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeliveryStatus = 'recorded' | 'delivered' | 'failed';

/**
 * One notification owed to the outside for one event. The foundation records it on the 'log'
 * channel; the webhook, Slack, Grafana and Alertmanager channels deliver it.
 */
@Entity({ name: 'delivery' })
export class DeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  /** Shared by every event descended from the same sample or alert. */
  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ type: 'text' })
  channel!: string;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  @Column({ type: 'text' })
  summary!: string;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ type: 'jsonb' })
  payload!: unknown;
}
