import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SurgeStatus = 'active' | 'cleared';

/** A region's surge as the analyzer sees it; at most one is active per region and metric. */
@Entity({ name: 'surge' })
export class SurgeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  region!: string;

  @Column({ type: 'text' })
  metric!: string;

  @Column({ type: 'text' })
  status!: SurgeStatus;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'cleared_at', type: 'timestamptz', nullable: true })
  clearedAt!: Date | null;

  @Column({ name: 'peak_value', type: 'double precision' })
  peakValue!: number;

  /** The event that started it: the thread from a hold back to its sample. */
  @Column({ name: 'cause_event_id', type: 'uuid' })
  causeEventId!: string;
}
