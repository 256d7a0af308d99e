import { DomainError } from '@holdfast/service-kit';
import type { SupersedingRelease, UnsentPlacement } from './superseding-release';

export enum DeliveryErrorCode {
  NotFound = 'delivery-not-found',
  NotReplayable = 'delivery-not-replayable',
  SubscriptionDeleted = 'delivery-subscription-deleted',
  SubscriptionDisabled = 'delivery-subscription-disabled',
  Superseded = 'delivery-superseded',
  ReleaseOfUnsentPlacement = 'delivery-release-of-unsent-placement',
  TestOfDisabledSubscription = 'subscription-disabled',
  // The code service-kit's assertActsFor gives the replay of one delivery of another team.
  OtherTeam = 'other-team',
}

export class DeliveryNotFound extends DomainError {
  constructor(id: string) {
    super(DeliveryErrorCode.NotFound, 404, `No delivery ${id}: GET /v1/deliveries lists them.`);
  }
}

export class DeliveryNotReplayable extends DomainError {
  constructor(id: string, status: string) {
    super(DeliveryErrorCode.NotReplayable, 409, `Delivery ${id} is ${status}: only dead or delivered deliveries can be replayed; a pending one is sent on its own.`);
  }
}

export class DeliverySubscriptionDeleted extends DomainError {
  constructor(id: string, subscriptionId: string, deletedAt: Date) {
    super(
      DeliveryErrorCode.SubscriptionDeleted,
      409,
      `Delivery ${id} cannot be sent again: its subscription ${subscriptionId} was deleted at ${deletedAt.toISOString()}. Subscribe again (POST /v1/subscriptions) to be told of what comes next.`,
      { subscriptionId, deletedAt: deletedAt.toISOString() },
    );
  }
}

/** Replayed now, the worker would find its subscription off and mark it dead again at once. */
export class DeliverySubscriptionDisabled extends DomainError {
  /** `sentWhenOn`: one turning the subscription on sends (left unsent while it was off, or refused with 410), which a replay would send twice. */
  constructor(id: string, subscriptionId: string, disabledReason: string | null, sentWhenOn: boolean) {
    super(
      DeliveryErrorCode.SubscriptionDisabled,
      409,
      `Delivery ${id} cannot be sent now: its subscription ${subscriptionId} is turned off${disabledReason ? ` (${disabledReason})` : ''}. PATCH /v1/subscriptions/${subscriptionId} {"enabled": true}${sentWhenOn ? ', which sends it with the others waiting, in order: no replay' : ', then replay it'}.`,
      { subscriptionId, disabledReason },
    );
  }
}

/**
 * A delivered placement (hold.placed, window.held) its hold's release has overtaken: sent again to a webhook or Slack
 * receiver it would say the released hold is in force again, so it is not replayed, and its history stays as it was.
 */
export class DeliverySuperseded extends DomainError {
  constructor(delivery: { id: string; eventType: string; subscriptionId: string }, release: SupersedingRelease) {
    const { id, eventType, subscriptionId } = delivery;
    const told =
      release.releaseDeliveryId === undefined
        ? `subscription ${subscriptionId} is sent no release of it, so nothing would follow to say the hold is over`
        : release.releaseStatus === 'dead'
          ? `its release is delivery ${release.releaseDeliveryId} of subscription ${subscriptionId}, which is dead: to tell the receiver that the hold is over, replay that one (POST /v1/deliveries/${release.releaseDeliveryId}/replay)`
          : release.releaseStatus === 'pending'
            ? `its release is delivery ${release.releaseDeliveryId} of subscription ${subscriptionId}, which is still being sent (retried on its own): it will tell the receiver that the hold is over`
            : `its release is delivery ${release.releaseDeliveryId} of subscription ${subscriptionId}: to tell the receiver again that the hold is over, replay that one (POST /v1/deliveries/${release.releaseDeliveryId}/replay)`;
    super(
      DeliveryErrorCode.Superseded,
      409,
      `Delivery ${id} (${eventType}) was delivered, and its hold ${release.holdId} was released at ${release.releasedAt.toISOString()}: sent again it would tell the receiver that the released hold is in force, so it is not replayed; ${told}.`,
      { subscriptionId, holdId: release.holdId, releasedAt: release.releasedAt.toISOString(), releaseDeliveryId: release.releaseDeliveryId ?? null },
    );
  }
}

/**
 * A window.released whose window.held was never sent to the subscription: queued, the worker would cancel it unsent
 * (releaseOfUnsentPlacement), so it is refused here, and its history stays as it was.
 */
export class DeliveryReleaseOfUnsentPlacement extends DomainError {
  constructor(delivery: { id: string; subscriptionId: string }, unsent: UnsentPlacement) {
    const { id, subscriptionId } = delivery;
    const { holdId, windowId, placementId, placementStatus } = unsent;
    const todo =
      placementStatus === 'dead'
        ? `To tell the receiver both, replay that window.held first (POST /v1/deliveries/${placementId}/replay); once it is sent, this release can be replayed.`
        : 'Nothing is owed: the hold is over and the receiver never had it.';
    super(
      DeliveryErrorCode.ReleaseOfUnsentPlacement,
      409,
      `Delivery ${id} (window.released) is not sent again: the window.held of window ${windowId} for hold ${holdId} that it ends (delivery ${placementId}) was never sent to subscription ${subscriptionId} (${placementStatus} unsent), so the receiver was never told the hold held the window, and this release would end a hold it never heard of. ${todo}`,
      { subscriptionId, holdId, windowId, placementDeliveryId: placementId, placementStatus },
    );
  }
}

// As many deliveries as a person reads in a sentence; the extension lists every one.
const NAMED_IN_DETAIL = 10;

/** A bulk replay naming deliveries of other teams than the key's: refused whole, as the replay of one of them is, not skipped as if nothing were owed. */
export class DeliveriesOfOtherTeams extends DomainError {
  constructor(deliveries: { id: string; ownerTeam: string }[], keyTeam: string) {
    const deliveryIds = deliveries.map(({ id }) => id);
    const ownerTeams = [...new Set(deliveries.map(({ ownerTeam }) => ownerTeam))].sort();
    const named = deliveryIds.slice(0, NAMED_IN_DETAIL).join(', ') + (deliveryIds.length > NAMED_IN_DETAIL ? ` and ${deliveryIds.length - NAMED_IN_DETAIL} more` : '');
    super(
      DeliveryErrorCode.OtherTeam,
      403,
      `${deliveryIds.length === 1 ? `Delivery ${named} belongs` : `Deliveries ${named} belong`} to team ${ownerTeams.join(', team ')}; the key's team ${keyTeam} may read but not replay them, so nothing was replayed. Send ids without them (deliveryIds lists them all), or replay them with a key of their team or an admin key.`,
      { deliveryIds, ownerTeams },
    );
  }
}

/** A test of a subscription turned off would be recorded dead at once, saying nothing about its receiver. */
export class TestOfDisabledSubscription extends DomainError {
  constructor(subscriptionId: string, disabledReason: string | null) {
    super(
      DeliveryErrorCode.TestOfDisabledSubscription,
      409,
      `Subscription ${subscriptionId} is turned off${disabledReason ? ` (${disabledReason})` : ''}, so nothing is sent to it, a test included. PATCH /v1/subscriptions/${subscriptionId} {"enabled": true}, then test it.`,
      { subscriptionId, disabledReason },
    );
  }
}
