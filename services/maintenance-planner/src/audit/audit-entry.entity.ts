import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One transition of a hold or window; rows are only ever added, so nothing vanishes from history. */
@Entity({ name: 'audit_entry' })
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'subject_type', type: 'text' })
  subjectType!: 'hold' | 'window';

  @Column({ name: 'subject_id', type: 'uuid' })
  subjectId!: string;

  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'text' })
  actor!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  /** The event that caused the transition, so the trail leads back to a sample or alert. */
  @Column({ name: 'cause_event_id', type: 'uuid', nullable: true })
  causeEventId!: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'` })
  details!: Record<string, unknown>;
}
