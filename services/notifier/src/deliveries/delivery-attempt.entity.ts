import { Column, Entity, PrimaryColumn } from 'typeorm';

/** interrupted: no answer was recorded, the notifier sending it having stopped (killed, or cut off from PostgreSQL), and it was claimed again. */
export type AttemptOutcome = 'delivered' | 'retry' | 'dead' | 'interrupted';

/** One try at sending a delivery: when, what came back, how long it took. */
@Entity({ name: 'delivery_attempt' })
export class DeliveryAttemptEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'delivery_id', type: 'uuid' })
  deliveryId!: string;

  /** 1, 2, ... over the delivery's whole life, replays included. */
  @Column({ type: 'int' })
  number!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'duration_ms', type: 'int' })
  durationMs!: number;

  /** The HTTP status of the last response, absent when none came (timeout, refused connection, SSRF guard). */
  @Column({ name: 'status_code', type: 'int', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ type: 'text' })
  outcome!: AttemptOutcome;
}
