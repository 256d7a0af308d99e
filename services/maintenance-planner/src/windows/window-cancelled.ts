import { DomainError } from '@holdfast/service-kit';

/**
 * The 409 for asking something of a cancelled window: when, by whom and why it was cancelled, from
 * its audit trail. `so` says what follows for what was asked (at the gate: "do not start it or wait
 * for it"), since the window will never run.
 */
export async function windowCancelled(source: { query(sql: string, parameters?: unknown[]): Promise<unknown> }, windowId: string, so: string): Promise<DomainError> {
  const [entry] = (await source.query(
    `SELECT at, actor, details->>'reason' AS reason FROM audit_entry WHERE subject_type = 'window' AND subject_id = $1 AND action = 'cancelled' ORDER BY at DESC LIMIT 1`,
    [windowId],
  )) as { at: Date; actor: string; reason: string | null }[];
  const when = entry ? ` at ${entry.at.toISOString()} by ${entry.actor}${entry.reason ? ` (${entry.reason})` : ''}` : '';
  return new DomainError(
    'window-cancelled',
    409,
    `Window ${windowId} was cancelled${when}: it will never run, so ${so}. To do the work, plan a new window (POST /v1/windows).`,
    { cancelledAt: entry?.at.toISOString() ?? null, cancelledBy: entry?.actor ?? null, cancelReason: entry?.reason ?? null },
  );
}
