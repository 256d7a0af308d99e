import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PostableAlert } from './postable-alert';

/** The alerts a hold keeps firing in one Alertmanager, re-posted before they would expire. */
@Entity({ name: 'hold_alert' })
export class HoldAlertEntity {
  @PrimaryColumn({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @PrimaryColumn({ name: 'hold_id', type: 'uuid' })
  holdId!: string;

  /** As posted, without endsAt (set on every post). */
  @Column({ type: 'jsonb' })
  alerts!: PostableAlert[];

  @Column({ type: 'boolean' })
  active!: boolean;

  /** Let go because the subscription was turned off (not released): fired again when it is turned on. */
  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  @Column({ name: 'refresh_at', type: 'timestamptz' })
  refreshAt!: Date;

  /**
   * The hold's placements (event ids) posted with these alerts that the subscription has no delivery of: placed before
   * it was made or turned on, or taken only by filters widened since. One taken and neither delivered nor listed here
   * was never posted to it, and the refresher posts it (HoldsInForce).
   */
  @Column({ name: 'posted_without_delivery', type: 'uuid', array: true, default: () => "'{}'" })
  postedWithoutDelivery!: string[];
}
