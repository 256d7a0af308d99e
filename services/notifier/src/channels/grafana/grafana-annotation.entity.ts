import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The Grafana annotation a hold became, so its release sets that annotation's end. */
@Entity({ name: 'grafana_annotation' })
export class GrafanaAnnotationEntity {
  @PrimaryColumn({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @PrimaryColumn({ name: 'hold_id', type: 'uuid' })
  holdId!: string;

  @Column({ name: 'annotation_id', type: 'bigint' })
  annotationId!: string;

  /** The annotation's time; null for one recorded before it was kept. */
  @Column({ name: 'starts_at', type: 'timestamptz', nullable: true })
  startsAt!: Date | null;
}
