import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ChannelName } from '../channels/channel-name';

/** pending: due at nextAttemptAt; sending: claimed until leaseUntil; delivered; dead: out of attempts or refused for good; cancelled: its subscription was deleted, its hold's release superseded it, or the alert refresh posted what it would have. */
export type DeliveryStatus = 'pending' | 'sending' | 'delivered' | 'dead' | 'cancelled';

/** What a delivery sends: the event as consumed (CloudEvents attributes and data), or a test message. */
export interface DeliveredEvent {
  specversion: '1.0';
  id: string;
  type: string;
  source: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  dataschema?: string;
  correlationid: string;
  causationid?: string;
  data: object;
}

/** One event owed to one subscription; the worker sends it, retries it, or declares it dead. */
@Entity({ name: 'delivery' })
export class DeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** Recording order; per-window order is kept by never sending a delivery before an earlier one of its key. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @Column({ type: 'text' })
  channel!: ChannelName;

  /** scheme://host:port of the target: the unit of concurrency limits and circuit breaking. */
  @Column({ name: 'target_key', type: 'text' })
  targetKey!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  @Column({ name: 'event_time', type: 'timestamptz' })
  eventTime!: Date;

  /** Shared by every event descended from the same sample or alert. */
  @Column({ name: 'correlation_id', type: 'text' })
  correlationId!: string;

  @Column({ name: 'ordering_key', type: 'text' })
  orderingKey!: string;

  @Column({ type: 'jsonb' })
  event!: DeliveredEvent;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  /** Attempts since it was recorded or last replayed. */
  @Column({ type: 'int' })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'lease_until', type: 'timestamptz', nullable: true })
  leaseUntil!: Date | null;

  /** When it was last claimed: the start of an attempt whose notifier stopped before recording its answer. */
  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true })
  claimedAt!: Date | null;

  /** The replica that last claimed it, when that replica held its name (ReplicaClaims): started again, it takes back what it left being sent. */
  @Column({ name: 'claimed_by', type: 'text', nullable: true })
  claimedBy!: string | null;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  /** When it was delivered, died or was cancelled; null while pending or sending. Its retention counts from here (DeliveryPruner). */
  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;
}
