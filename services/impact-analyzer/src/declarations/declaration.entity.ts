import type { SurgeSeverity } from '@holdfast/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type DeclarationStatus = 'scheduled' | 'active' | 'ended' | 'cancelled';

/** A critical period people declared for regions ("election in IR"): a surge from its start to its end. */
@Entity({ name: 'declaration' })
export class DeclarationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text', array: true })
  regions!: string[];

  @Column({ name: 'starts_at', type: 'timestamptz' })
  startsAt!: Date;

  @Column({ name: 'ends_at', type: 'timestamptz' })
  endsAt!: Date;

  @Column({ type: 'text' })
  reason!: string;

  /** The severity of the surges it raises. */
  @Column({ type: 'text' })
  severity!: SurgeSeverity;

  @Column({ type: 'text' })
  status!: DeclarationStatus;

  @Column({ name: 'declared_by', type: 'text' })
  declaredBy!: string;

  @Column({ name: 'declared_at', type: 'timestamptz' })
  declaredAt!: Date;

  @Column({ name: 'cancelled_by', type: 'text', nullable: true })
  cancelledBy!: string | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  /** Its ETag ("2"): bumped by every change to it (in force, ended, cancelled); a cancellation takes it in If-Match. */
  @Column({ type: 'integer', default: 1 })
  version!: number;
}
