import type { EntityManager } from 'typeorm';

/** An alert surge's origin: the alert's sender and fingerprint, apart from every other alert's. */
export const alertOrigin = (sender: string, fingerprint: string): string => `${sender}/${fingerprint}`;

// Never a group a sender names, nor a content hash (hex): no notification received is taken for it, or it for one.
const CLEARED_BY_HAND = 'holdfast:cleared-by-hand';

/**
 * A resolved of the alert's latest firing received, with no end, as a resolved notification whose
 * endsAt cannot be read is logged: OVERTAKEN then reads every firing of the alert that started then
 * or earlier as over, and one with a later startsAt as the alert firing again.
 */
const RESOLVE_LATEST_FIRING = `INSERT INTO alert_notification (sender, group_key, fingerprint, status, starts_at, content_hash, region, received_at)
  SELECT sender, '${CLEARED_BY_HAND}', fingerprint, 'resolved', max(starts_at), '${CLEARED_BY_HAND}', $3, $4
    FROM alert_notification WHERE sender = $1 AND fingerprint = $2 AND status = 'firing' GROUP BY sender, fingerprint
  ON CONFLICT DO NOTHING`;

/**
 * Ends, in the alert intake log, the firing of an alert whose surge an operator cleared, in the
 * clearing's transaction: that firing sent again (at repeat_interval, with new annotations, from an
 * HA peer) is already-resolved instead of starting a surge of a firing the operator ended, and the
 * alert firing again later (a later startsAt, as Alertmanager gives it) starts a new surge.
 */
export async function endFiringByHand(transaction: EntityManager, surge: { origin: string; region: string }, at: Date): Promise<void> {
  const slash = surge.origin.indexOf('/');
  await transaction.query(RESOLVE_LATEST_FIRING, [surge.origin.slice(0, slash), surge.origin.slice(slash + 1), surge.region, at]);
}
