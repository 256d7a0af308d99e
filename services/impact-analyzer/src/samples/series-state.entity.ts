import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The published hour-of-week profile, kept to tell a material change from noise. */
export interface PublishedBaseline {
  values: (number | null)[];
}

/** One region's metric as the detector knows it, stepped in the transaction that consumes its samples. */
@Entity({ name: 'series_state' })
export class SeriesStateEntity {
  @PrimaryColumn({ type: 'text' })
  region!: string;

  @PrimaryColumn({ type: 'text' })
  metric!: string;

  /** The detector's state without the baseline's buckets (see stored-series-state.ts); read it with unpackSeriesState. */
  @Column({ type: 'jsonb' })
  state!: unknown;

  /** The baseline's buckets; null in a row whose jsonb still holds them. */
  @Column({ name: 'baseline_buckets', type: 'bytea', nullable: true })
  baselineBuckets!: Buffer | null;

  @Column({ name: 'samples_seen', type: 'integer' })
  samplesSeen!: number;

  @Column({ name: 'last_sample_at', type: 'timestamptz', nullable: true })
  lastSampleAt!: Date | null;

  /** Set while the signal is lost (no sample for longer than the region allows). */
  @Column({ name: 'signal_lost_at', type: 'timestamptz', nullable: true })
  signalLostAt!: Date | null;

  @Column({ name: 'published_baseline', type: 'jsonb', nullable: true })
  publishedBaseline!: PublishedBaseline | null;

  @Column({ name: 'baseline_published_at', type: 'timestamptz', nullable: true })
  baselinePublishedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
