import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * That a hold was released, recorded as its hold.released is consumed: a placement sent later (a
 * delivery that waited, or was replayed) posts its alerts already ended, and the refresher ends
 * any it finds still kept firing, whatever order the two deliveries came in. To a webhook or Slack
 * subscription no release of the hold is recorded for, nor can come to, the worker sends no
 * placement after it (supersedingRelease). Kept while a placement of the hold could still be sent (HoldReleases).
 */
@Entity({ name: 'hold_release' })
export class HoldReleaseEntity {
  @PrimaryColumn({ name: 'hold_id', type: 'uuid' })
  holdId!: string;

  @Column({ name: 'released_at', type: 'timestamptz' })
  releasedAt!: Date;

  /**
   * The windows it let go of (hold.released `windowIds`), each told a window.released; not a window cancelled or moved
   * out of the hold meanwhile. Null for a release consumed before the notifier kept them.
   */
  @Column({ name: 'window_ids', type: 'uuid', array: true, nullable: true })
  windowIds!: string[] | null;

  /** When the notifier consumed it: its retention counts from here (HoldReleases prunes it). */
  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;
}
