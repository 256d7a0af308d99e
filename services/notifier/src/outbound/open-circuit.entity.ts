import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A target whose circuit a worker opened, so a reader of a delivery learns why it is not sent.
 * Written as the breaker opens, marked probing as it half-opens, deleted as it closes or is let go;
 * a row past next_try_at (left by a replica that died) says nothing and goes at the next opening.
 */
@Entity({ name: 'open_circuit' })
export class OpenCircuitEntity {
  @PrimaryColumn({ name: 'target_key', type: 'text' })
  targetKey!: string;

  @Column({ name: 'opened_at', type: 'timestamptz' })
  openedAt!: Date;

  /** When the breaker half-opens and lets one delivery through as a probe; while probing, when the probe's answer is due at the latest. */
  @Column({ name: 'next_try_at', type: 'timestamptz' })
  nextTryAt!: Date;

  /** Half-open: one delivery is out as the probe, and the rest wait for its answer. */
  @Column({ type: 'boolean' })
  probing!: boolean;
}
