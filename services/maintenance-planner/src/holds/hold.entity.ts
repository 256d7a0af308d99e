import type { HoldSource } from '@holdfast/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A hold on maintenance in some regions for a period; released, never deleted. */
@Entity({ name: 'hold' })
export class HoldEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text', array: true })
  regions!: string[];

  @Column({ type: 'text' })
  reason!: string;

  @Column({ type: 'text' })
  source!: HoldSource;

  /** What caused it (a surge id for detector holds); unique per source, which makes placing idempotent. */
  @Column({ name: 'cause_id', type: 'text' })
  causeId!: string;

  @Column({ name: 'placed_at', type: 'timestamptz' })
  placedAt!: Date;

  @Column({ name: 'from_at', type: 'timestamptz' })
  fromAt!: Date;

  @Column({ name: 'until_at', type: 'timestamptz', nullable: true })
  untilAt!: Date | null;

  @Column({ name: 'released_at', type: 'timestamptz', nullable: true })
  releasedAt!: Date | null;

  @Column({ name: 'window_ids', type: 'uuid', array: true, default: () => `'{}'` })
  windowIds!: string[];
}
