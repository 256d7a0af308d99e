import { prepared } from '@holdfast/database';
import type { EntityManager } from 'typeorm';
import type { SubscriptionFilters } from '../subscriptions/subscription-filters';
import type { DeliveryEntity, DeliveryStatus } from './delivery.entity';

/** The events that release what each placing event says is held: the hold's own release, and a window's release from it. */
const RELEASES_OF: Readonly<Partial<Record<string, readonly string[]>>> = { 'hold.placed': ['hold.released'], 'window.held': ['window.released', 'hold.released'] };

// The release of the hold ($4) on the placement's subscription ($1), on the placement's key ($2, a window's release) or the hold's
// ('hold:' || $4, the hold's own), of the types $3, that the receiver was sent (once at least: a bulk replay of what was delivered
// queues it again), or is being sent, or that was recorded before the placement ($5; a dead letter replayed onto the topic): sent
// after it, the placement would say the released hold is in force again. A release recorded after its placement on the same key,
// and never sent, waits for it, as a key's order has it; but for a placement delivered ($6), one still to be sent (retried) or
// that went dead is counted too: the receiver holds the placement already, and what it lacks is that release.
const RELEASE_SENT_FIRST = prepared(`SELECT r.id, r.status, COALESCE((r.event->'data'->>'releasedAt')::timestamptz, r.event_time) AS released_at FROM delivery r
  WHERE r.subscription_id = $1 AND r.ordering_key IN ($2, 'hold:' || $4) AND r.event_type = ANY($3::text[]) AND r.event->'data'->>'holdId' = $4
    AND (r.seq < $5 OR r.status IN ('delivered', 'sending') OR ($6 AND r.status IN ('pending', 'dead'))
      OR EXISTS (SELECT 1 FROM delivery_attempt a WHERE a.delivery_id = r.id AND a.outcome = 'delivered'))
  ORDER BY r.seq LIMIT 1`);
// The release of the hold ($4) as the notifier consumed it (hold_release, kept for every release), when none of the release
// events of the types $3 is recorded for the placement's subscription ($1) on its keys; and whether it let go of the window
// $5 (a window.held's), whose window.released then follows it. A release consumed before the notifier kept its windows is
// taken to have let go of every one, as the planner's window.released events did then.
const RELEASE_UNTOLD = prepared(`SELECT h.released_at, (h.window_ids IS NULL OR $5::uuid = ANY(h.window_ids)) AS window_let_go FROM hold_release h
  WHERE h.hold_id = $4 AND NOT EXISTS (SELECT 1 FROM delivery r WHERE r.subscription_id = $1 AND r.ordering_key IN ($2, 'hold:' || h.hold_id)
    AND r.event_type = ANY($3::text[]) AND r.event->'data'->>'holdId' = h.hold_id::text)`);

/** The release that makes a placement (hold.placed, window.held) one not to send to a webhook or Slack subscription. */
export type SupersedingRelease =
  /**
   * A release of the hold was sent to the subscription, is being sent, or was recorded for it before the placement; or,
   * for a placement delivered, was recorded after it and is still to be sent (`releaseStatus` pending, retried on its
   * own) or went dead (`releaseStatus` dead: that is the one to replay).
   */
  | { holdId: string; releasedAt: Date; releaseDeliveryId: string; releaseStatus: DeliveryStatus }
  /**
   * The hold's hold.released was consumed and none of its releases is recorded for the subscription, nor can one come:
   * its filters take none (`takesRelease` false); or they take hold.released, which reaches every subscription told of the
   * hold by then, and it was told only after; or they take window.released, which the release did not owe the window:
   * the planner sends none to a window cancelled or moved out of the hold meanwhile.
   */
  | { holdId: string; releasedAt: Date; releaseDeliveryId?: undefined; takesRelease: boolean };

/**
 * Whether a hold's release supersedes the placement: sent now, it would tell the receiver that a released hold is in
 * force again. Undefined for any other event, and while the release that will tell the subscription the hold is over
 * is still to come after the placement (recorded after it on its key, or the window.released of a window the hold's
 * release let go of, read from the windows topic after the hold's hold.released). `delivered`: the placement reached
 * the receiver already (a replay of it is asked), so a release after it still to be sent, or gone dead, supersedes it too.
 */
export async function supersedingRelease(
  reader: Pick<EntityManager, 'query'>,
  placement: Pick<DeliveryEntity, 'subscriptionId' | 'orderingKey' | 'eventType' | 'event' | 'seq'>,
  filters: Pick<SubscriptionFilters, 'eventTypes'>,
  delivered = false,
): Promise<SupersedingRelease | undefined> {
  const releases = RELEASES_OF[placement.eventType];
  if (!releases) return undefined;
  const { holdId, windowId } = placement.event.data as { holdId: string; windowId?: string };
  const parameters = [placement.subscriptionId, placement.orderingKey, releases, holdId];
  const [sent] = (await reader.query(RELEASE_SENT_FIRST, [...parameters, placement.seq, delivered])) as { id: string; status: DeliveryStatus; released_at: Date }[];
  if (sent) return { holdId, releasedAt: sent.released_at, releaseDeliveryId: sent.id, releaseStatus: sent.status };
  const [untold] = (await reader.query(RELEASE_UNTOLD, [...parameters, windowId ?? null])) as { released_at: Date; window_let_go: boolean }[];
  if (!untold) return undefined;
  const takes = (type: string) => filters.eventTypes.length === 0 || filters.eventTypes.some((wanted) => wanted === type);
  if (placement.eventType === 'window.held' && takes('window.released') && untold.window_let_go) return undefined;
  return { holdId, releasedAt: untold.released_at, takesRelease: releases.some(takes) };
}

/** Why a superseded placement is not sent: said by the worker cancelling it. */
export function supersededReason(eventType: string, release: SupersedingRelease): string {
  const { holdId, releasedAt } = release;
  if (release.releaseDeliveryId !== undefined) {
    return `not sent: superseded by the release of hold ${holdId} at ${releasedAt.toISOString()} (delivery ${release.releaseDeliveryId}), recorded for this subscription before this ${eventType} went out: sent now, it would say the released hold is in force again`;
  }
  return release.takesRelease
    ? `not sent: superseded by the release of hold ${holdId} at ${releasedAt.toISOString()}, consumed before this ${eventType} went out, and none of its releases is recorded for this subscription, nor can one come: sent now, it would say the released hold is in force, and nothing would follow to say otherwise`
    : `not sent: superseded by the release of hold ${holdId} at ${releasedAt.toISOString()}, consumed before this ${eventType} went out: sent now, it would say the released hold is in force, and this subscription takes no release of it to say otherwise`;
}

// The window.held deliveries of the window (the release's key, $2) and hold ($3) recorded for the subscription ($1) before its
// window.released ($4), each with whether it went out or still may: delivered, being sent, still to be sent (retried), or
// attempted once at least, an interrupted attempt included (the receiver may hold it, so it is owed the release).
const PLACEMENTS_ENDED = prepared(`SELECT p.id, p.status,
    (p.status IN ('delivered', 'sending', 'pending') OR EXISTS (SELECT 1 FROM delivery_attempt a WHERE a.delivery_id = p.id)) AS sent
  FROM delivery p WHERE p.subscription_id = $1 AND p.ordering_key = $2 AND p.event_type = 'window.held' AND p.event->'data'->>'holdId' = $3 AND p.seq < $4
  ORDER BY p.seq`);

/** A window.released whose hold's window.held of the window was recorded for the subscription and never sent to it. */
export interface UnsentPlacement {
  holdId: string;
  windowId: string;
  /** The last such window.held, and what became of it (cancelled: superseded by the hold's release sent first). */
  placementId: string;
  placementStatus: DeliveryStatus;
}

/**
 * The window.held a window.released would answer, when every one recorded for the subscription was left unsent: cancelled
 * (its hold's hold.released, on the hold's key, went out first, so supersedingRelease stopped it) or settled dead unsent,
 * never attempted. Sent alone, the release would tell a receiver tracking its windows of a hold it never heard held the
 * window. Undefined for any other event, when no window.held was recorded before it (the subscription takes none, or
 * subscribed after), and when one went out or still may: the receiver may hold it, and the release ends it.
 */
export async function releaseOfUnsentPlacement(
  reader: Pick<EntityManager, 'query'>,
  release: Pick<DeliveryEntity, 'subscriptionId' | 'orderingKey' | 'eventType' | 'event' | 'seq'>,
): Promise<UnsentPlacement | undefined> {
  if (release.eventType !== 'window.released') return undefined;
  const { holdId, windowId } = release.event.data as { holdId: string; windowId: string };
  const placements = (await reader.query(PLACEMENTS_ENDED, [release.subscriptionId, release.orderingKey, holdId, release.seq])) as { id: string; status: DeliveryStatus; sent: boolean }[];
  const last = placements.at(-1);
  if (!last || placements.some((placement) => placement.sent)) return undefined;
  return { holdId, windowId, placementId: last.id, placementStatus: last.status };
}

/** Why a window.released is not sent: said by the worker cancelling it. */
export function unsentPlacementReason(unsent: UnsentPlacement): string {
  return `not sent: the window.held of window ${unsent.windowId} for hold ${unsent.holdId} that this window.released ends was never sent to this subscription (delivery ${unsent.placementId}, ${unsent.placementStatus} unsent): sent alone, it would release a hold the receiver was never told held the window`;
}
