import type { SignalLoss, SurgeEvidence, SurgeSeverity, SurgeSource } from '@holdfast/contracts';
import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SurgeStatus = 'active' | 'cleared';

/**
 * A region's surge as the analyzer sees it. At most one is active per region, source and origin:
 * the detector's episode of a metric, an alert's fingerprint, a declaration's id.
 */
@Entity({ name: 'surge' })
export class SurgeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'text' })
  region!: string;

  @Column({ type: 'text', nullable: true })
  metric!: string | null;

  @Column({ type: 'text' })
  source!: SurgeSource;

  /** What raised it within its source, so the same episode, alert or declaration maps to one surge. */
  @Column({ type: 'text' })
  origin!: string;

  @Column({ type: 'text' })
  status!: SurgeStatus;

  @Column({ type: 'text' })
  severity!: SurgeSeverity;

  /** Why it surged, as it started or was last updated. */
  @Column({ type: 'text' })
  reason!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'detected_at', type: 'timestamptz' })
  detectedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'expected_end_at', type: 'timestamptz', nullable: true })
  expectedEndAt!: Date | null;

  @Column({ name: 'cleared_at', type: 'timestamptz', nullable: true })
  clearedAt!: Date | null;

  /** Why it ended (the surge.cleared event's reason, whole); `reason` stays why it surged. */
  @Column({ name: 'cleared_reason', type: 'text', nullable: true })
  clearedReason!: string | null;

  @Column({ name: 'peak_value', type: 'double precision', nullable: true })
  peakValue!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  evidence!: SurgeEvidence | null;

  @Column({ name: 'signal_loss', type: 'jsonb', nullable: true })
  signalLoss!: SignalLoss | null;

  /** Calm samples in a row, for the warm-up ceiling's own cool-down. */
  @Column({ name: 'calm_samples', type: 'integer' })
  calmSamples!: number;

  /**
   * The id of the sample event that started it, when one did: the thread from a hold back to its
   * sample. Always a UUID: an outside producer's id is recorded as a UUIDv5 (libs/contracts outside-intake.ts).
   */
  @Column({ name: 'cause_event_id', type: 'text', nullable: true })
  causeEventId!: string | null;

  /**
   * The correlation chain of its events, its surge.started's, so one cleared by hand continues it. Null for a detector
   * surge started before it was kept whose surge.started had left the outbox (migration 1769200100000).
   */
  @Column({ name: 'correlation_id', type: 'text', nullable: true })
  correlationId!: string | null;
}
