import { answeredAtCommit } from '@holdfast/database';
import type { HoldfastEvent } from '@holdfast/contracts';
import { Clock } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EventFacts } from '../../subscriptions/subscription-filters';

// Nothing reads their answers, so they travel with the consumer's COMMIT. A placement read after its hold's release (a
// dead letter replayed, the topic read again) is not a hold in force: the release is kept while one can still come (HoldReleases).
const RECORD_PLACEMENT = answeredAtCommit(`INSERT INTO hold_placement (event_id, hold_id, regions, teams, window_ids, event, recorded_at)
  SELECT $1::uuid, $2::uuid, $3::text[], $4::text[], $5::text[], $6::jsonb, $7::timestamptz
  WHERE NOT EXISTS (SELECT 1 FROM hold_release WHERE hold_id = $2::uuid)
  ON CONFLICT DO NOTHING`);
const FORGET_PLACEMENTS = answeredAtCommit('DELETE FROM hold_placement WHERE hold_id = $1');

/**
 * The holds in force as the notifier consumed them (hold_placement): every placement and extension, wanted by a
 * subscription or not, until its hold's release. The alert refresher posts them to an Alertmanager subscribed (or turned
 * on) after they were placed, which no delivery would tell. The planner's API could say the same, but would need a key
 * and the planner up; this record is written in the consumer's transaction with the release it is dropped by.
 */
@Injectable()
export class HoldsInForce {
  constructor(private readonly clock: Clock) {}

  /** In the consumer's transaction: a placement or extension, with the facts the subscription filters match on (a hold's regions are its own, never global). */
  async placed(transaction: EntityManager, event: HoldfastEvent<'hold.placed'>, facts: Pick<EventFacts, 'teams' | 'windowIds'>): Promise<void> {
    await transaction.query(RECORD_PLACEMENT, [event.id, event.data.holdId, event.data.regions, facts.teams, facts.windowIds, JSON.stringify(event), this.clock.now()]);
  }

  /** In the consumer's transaction: the hold's release, after which it is posted to no one. */
  async released(transaction: EntityManager, holdId: string): Promise<void> {
    await transaction.query(FORGET_PLACEMENTS, [holdId]);
  }
}
