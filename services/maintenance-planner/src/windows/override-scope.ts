import type { SurgePolicy } from '@holdfast/contracts';
import { DomainError, hasScope, type Principal } from '@holdfast/service-kit';

/**
 * Letting a window through a hold is an override, and overrides need their own scope (DESIGN.md 6),
 * however it is asked for: `override` with a plan or a change, POST .../override, or a surgePolicy
 * under which no hold stops the window (exempt, notify-only), a standing override of every hold on
 * its footprint, those placed later included.
 */
const OVERRIDE_SCOPE = 'holds:override';

export const mayOverride = (principal: Principal): boolean => hasScope(principal, OVERRIDE_SCOPE);

/** The 403 each way of overriding without the scope gets: `detail` says which, and what to do instead. */
const missingOverrideScope = (detail: string, fields: Record<string, unknown> = {}): DomainError =>
  new DomainError('missing-scope', 403, detail, { requiredScope: OVERRIDE_SCOPE, ...fields });

/** Whether a window under `policy` runs through the holds on its footprint. */
const runsThroughHolds = (policy: SurgePolicy): boolean => policy !== 'hold';

/** Planning or moving a window into a hold with `override`. */
export function requireOverrideScope(principal: Principal): void {
  if (!mayOverride(principal)) {
    throw missingOverrideScope('Planning into a hold with override needs scope holds:override; plan outside the hold, or ask a key that has it.');
  }
}

/** Planning a window under a policy no hold stops. */
export function requirePolicyScope(principal: Principal, policy: SurgePolicy): void {
  if (!runsThroughHolds(policy) || mayOverride(principal)) return;
  throw missingOverrideScope(
    `surgePolicy ${policy} lets the window run through every hold on its footprint, a standing override: planning a window so needs scope holds:override. Plan it with surgePolicy hold (the default), or ask a key that has holds:override.`,
    { surgePolicy: policy },
  );
}

/**
 * Changing a window that holds stop (`from`, its policy as stored) to a policy none does. Judged on the
 * window as locked for the change, so a change made meanwhile cannot slip one past the check.
 */
export function assertMayChangePolicy(windowId: string, from: SurgePolicy, to: SurgePolicy, overrides: boolean): void {
  if (overrides || runsThroughHolds(from) || !runsThroughHolds(to)) return;
  throw missingOverrideScope(
    `surgePolicy ${to} would let window ${windowId} run through every hold on its footprint, a standing override: changing it from hold needs scope holds:override. Ask a key that has it for an override with a reason (POST /v1/windows/${windowId}/override), or to change the policy.`,
    { surgePolicy: to },
  );
}

/** A hold as a refusal names it: until when it holds runs as of now (null: no end known yet). */
export interface NamedHold {
  id: string;
  regions: string[];
  reason: string;
  from: Date;
  until: Date | null;
}

/**
 * A change of footprint or times that brings a run of a window no hold stops (`policy`, exempt or notify-only) under
 * holds (`holds`, those it did not reach before). The standing override was given for the window as it was planned,
 * where it was: taking it under another hold lets it through that hold, an override the key must be able to give.
 */
export function assertMayMoveUnderHolds(windowId: string, policy: SurgePolicy, holds: readonly NamedHold[]): void {
  if (holds.length === 0) return;
  throw missingOverrideScope(
    `This change would bring window ${windowId} under active hold${holds.length > 1 ? 's' : ''} ${holds.map((hold) => `${hold.id} (${hold.regions.join(', ')}: ${hold.reason})`).join('; ')}. Its surgePolicy ${policy} lets it run through every hold on its footprint, a standing override given for the footprint and times it had: taking it under a hold it was not under needs scope holds:override. Keep the window out of the hold (GET /v1/windows/${windowId}/suggestions), or ask a key that has holds:override to make the change. Nothing was changed.`,
    { surgePolicy: policy, holds },
  );
}
