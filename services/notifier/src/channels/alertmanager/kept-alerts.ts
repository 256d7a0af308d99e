import type { EntityManager } from 'typeorm';
import type { PostableAlert } from './postable-alert';

// keptBeside in SQL: the alerts just posted, then those kept under other labels. Merged in the upsert rather than read
// before it, because the row may not exist yet (a placement's first post, the refresher's claim of an untold hold), where
// SELECT ... FOR UPDATE locks nothing; INSERT ... ON CONFLICT waits for the other writer, an inserting one too, and merges
// with what it committed. A label set is the alert's identity, as in keptBeside (jsonb compares objects key order aside).
// The placements posted without a delivery add to those the record listed.
const KEEP_ALERTS = `INSERT INTO hold_alert AS kept (subscription_id, hold_id, alerts, active, paused, refresh_at, posted_without_delivery) VALUES ($1, $2, $3::jsonb, $4, false, $5, $6::uuid[])
  ON CONFLICT (subscription_id, hold_id) DO UPDATE SET
    alerts = EXCLUDED.alerts || COALESCE((SELECT jsonb_agg(before.alert ORDER BY before.n) FROM jsonb_array_elements(kept.alerts) WITH ORDINALITY AS before(alert, n)
      WHERE NOT EXISTS (SELECT 1 FROM jsonb_array_elements(EXCLUDED.alerts) AS posted(alert) WHERE posted.alert->'labels' = before.alert->'labels')), '[]'::jsonb),
    active = EXCLUDED.active, paused = false, refresh_at = EXCLUDED.refresh_at,
    posted_without_delivery = kept.posted_without_delivery || ARRAY(SELECT unnest(EXCLUDED.posted_without_delivery) EXCEPT SELECT unnest(kept.posted_without_delivery))`;

// Written before the post, in the poster's transaction: whoever wrote it first (a placement delivery, another replica's run)
// posts the hold's placements no delivery posts, and a writer meanwhile waits for that post, then finds the hold claimed.
const CLAIM_HOLD = `INSERT INTO hold_alert (subscription_id, hold_id, alerts, active, paused, refresh_at, posted_without_delivery) VALUES ($1, $2, $3::jsonb, true, false, $4, $5::uuid[])
  ON CONFLICT DO NOTHING RETURNING hold_id`;

/** A hold's alerts as posted to a subscription's Alertmanager, with the placements posted that it has no delivery of (their event ids). */
interface PostedAlerts {
  subscriptionId: string;
  holdId: string;
  alerts: PostableAlert[];
  postedWithoutDelivery: string[];
}

/**
 * Claims a hold for its first post to a subscription's Alertmanager, keeping the alerts about to be posted; false when
 * its alerts were kept before (posted, or being posted by a claim that has committed since).
 */
export async function claimHold(manager: EntityManager, claim: PostedAlerts & { refreshAt: Date }): Promise<boolean> {
  const claimed = (await manager.query(CLAIM_HOLD, [claim.subscriptionId, claim.holdId, JSON.stringify(claim.alerts), claim.refreshAt, claim.postedWithoutDelivery])) as unknown[];
  return claimed.length > 0;
}

/**
 * Keeps a hold's alerts just posted to a subscription's Alertmanager beside those it kept: a placement's delivery and a
 * refresher post of the same hold at once (a dead placement, or a hold the subscription was never told of) both keep
 * their windows, whichever writes last.
 */
export async function keepAlerts(manager: EntityManager, kept: PostedAlerts & { active: boolean; refreshAt: Date }): Promise<void> {
  await manager.query(KEEP_ALERTS, [kept.subscriptionId, kept.holdId, JSON.stringify(kept.alerts), kept.active, kept.refreshAt, kept.postedWithoutDelivery]);
}
