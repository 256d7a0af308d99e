import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A target whose circuit a worker opened, so a reader of a delivery learns why it is not sent.
 * Written as the breaker opens, deleted as it half-opens, closes or is let go; a row past
 * next_try_at (left by a replica that died) says nothing and goes at the next opening.
 */
@Entity({ name: 'open_circuit' })
export class OpenCircuitEntity {
  @PrimaryColumn({ name: 'target_key', type: 'text' })
  targetKey!: string;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  /** When the breaker half-opens and lets one delivery through as a probe. */
  @Column({ name: 'next_try_at', type: 'timestamptz' })
  nextTryAt!: Date;
}
