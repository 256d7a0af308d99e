import { answeredAtCommit } from '@holdfast/database';
import type { HoldfastEvent } from '@holdfast/contracts';
import { Clock } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DeliveredEvent } from '../../deliveries/delivery.entity';
import type { EventFacts } from '../../subscriptions/subscription-filters';

// Nothing reads their answers, so they travel with the consumer's COMMIT. A placement read after its hold's release (a
// dead letter replayed, the topic read again) is not a hold in force: the release is kept while one can still come (HoldReleases).
const RECORD_PLACEMENT = answeredAtCommit(`INSERT INTO hold_placement (event_id, hold_id, regions, teams, window_ids, event, recorded_at)
  SELECT $1::uuid, $2::uuid, $3::text[], $4::text[], $5::text[], $6::jsonb, $7::timestamptz
  WHERE NOT EXISTS (SELECT 1 FROM hold_release WHERE hold_id = $2::uuid)
  ON CONFLICT DO NOTHING`);
const FORGET_PLACEMENTS = answeredAtCommit('DELETE FROM hold_placement WHERE hold_id = $1');

/**
 * Subscription s's filters let placement p through: matchesFilters, for a hold.placed, on the facts the consumer recorded
 * with it. The two are held to the same answers over generated filters and facts (filters-take-placement.integration-spec.ts):
 * change both, or that spec fails.
 */
export const FILTERS_TAKE_PLACEMENT = `(s.filters->'eventTypes' = '[]'::jsonb OR s.filters->'eventTypes' ? 'hold.placed')
  AND (s.filters->'regions' = '[]'::jsonb OR s.filters->'regions' ?| p.regions)
  AND (s.filters->'teams' = '[]'::jsonb OR s.filters->'teams' ?| p.teams)
  AND (s.filters->'windowIds' = '[]'::jsonb OR s.filters->'windowIds' ?| p.window_ids)`;

// The hold's placements in force the subscription's filters let through that it has no delivery of (placed before it was
// made, turned on or its filters widened) and its alert record of the hold does not list as posted.
const PLACEMENTS_UNTOLD = `SELECT p.event FROM hold_placement p JOIN subscription s ON s.id = $1 AND ${FILTERS_TAKE_PLACEMENT}
  WHERE p.hold_id = $2
    AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_id = p.event_id AND d.subscription_id = s.id)
    AND NOT EXISTS (SELECT 1 FROM hold_alert a WHERE a.subscription_id = s.id AND a.hold_id = p.hold_id AND p.event_id = ANY(a.posted_without_delivery))
  ORDER BY p.seq`;

/**
 * The placements (extensions included) of a hold in force that a subscription's filters take and that were never posted to
 * it: it has no delivery of them, and no post of the hold carried them. Oldest first.
 */
export async function placementsUntold(reader: Pick<EntityManager, 'query'>, subscriptionId: string, holdId: string): Promise<DeliveredEvent[]> {
  return ((await reader.query(PLACEMENTS_UNTOLD, [subscriptionId, holdId])) as { event: DeliveredEvent }[]).map(({ event }) => event);
}

/**
 * The holds in force as the notifier consumed them (hold_placement): every placement and extension, wanted by a
 * subscription or not, until its hold's release. The alert refresher posts them to an Alertmanager subscribed (or turned
 * on, or its filters widened) after they were placed, which no delivery would tell, or the hold's first delivery to it (an
 * extension) with its own.
 * The planner's API could say the same, but would need a key
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
