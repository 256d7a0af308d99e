import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DeliveredEvent } from '../../deliveries/delivery.entity';

/**
 * A hold.placed (or an extension) of a hold in force, recorded as it is consumed whether a subscription wanted it or not,
 * and deleted with its hold's release: what the alert refresher posts to an Alertmanager subscribed after the hold was
 * placed (HoldsInForce). The facts are factsOf's, so the refresher matches subscription filters in SQL, as the consumer
 * would have matched them in code.
 */
@Entity({ name: 'hold_placement' })
export class HoldPlacementEntity {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ name: 'hold_id', type: 'uuid' })
  holdId!: string;

  /** Recording order: an extension's alerts win over those of the placements before it. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'text', array: true })
  regions!: string[];

  /** The owner teams of the windows it carries. */
  @Column({ type: 'text', array: true })
  teams!: string[];

  /** Every window id it names, in lower case, as the filters keep them. */
  @Column({ name: 'window_ids', type: 'text', array: true })
  windowIds!: string[];

  @Column({ type: 'jsonb' })
  event!: DeliveredEvent;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
