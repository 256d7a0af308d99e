import { DomainError, type FieldProblem } from '@holdfast/service-kit';
import type { ChannelName } from '../channels/channel-name';

export enum SubscriptionErrorCode {
  NotFound = 'subscription-not-found',
  InvalidSubscription = 'invalid-subscription',
  SecretNotRotatable = 'secret-not-rotatable',
  TooManySigningSecrets = 'too-many-signing-secrets',
  SubscriptionExists = 'subscription-exists',
}

export class SubscriptionNotFound extends DomainError {
  constructor(id: string) {
    super(SubscriptionErrorCode.NotFound, 404, `No subscription ${id}: GET /v1/subscriptions lists them.`);
  }
}

/** A subscription that parses but cannot work as asked: each problem names its field. */
export class InvalidSubscription extends DomainError {
  constructor(errors: FieldProblem[]) {
    super(SubscriptionErrorCode.InvalidSubscription, 422, `The subscription cannot work as given: ${errors.map((error) => `${error.path} ${error.message}`).join('; ')}`, { errors });
  }
}

/** Only a webhook's signature can carry two secrets at once; the others' receivers take one credential. */
export class SecretNotRotatable extends DomainError {
  constructor(id: string, channel: ChannelName) {
    const replacement = channel === 'slack' ? 'its new incoming-webhook URL as target' : 'its new secret';
    super(
      SubscriptionErrorCode.SecretNotRotatable,
      422,
      `Subscription ${id} is a ${channel} subscription: only a webhook's signing secret is rotated (its deliveries are signed with the old and the new secret for a while). Give ${replacement} with PATCH /v1/subscriptions/${id}.`,
      { channel },
    );
  }
}

/**
 * A rotation that would keep more replaced secrets than a subscription signs with at once: each was
 * promised to its receivers until its overlap ends, so none is dropped to make room.
 */
export class TooManySigningSecrets extends DomainError {
  constructor(id: string, kept: number, firstEnds: Date) {
    super(
      SubscriptionErrorCode.TooManySigningSecrets,
      409,
      `Subscription ${id} already signs with ${kept} secrets earlier rotations replaced, the most it keeps; the first of them stops signing at ${firstEnds.toISOString()}. Rotate again after then, or with "overlapHours": 0 (or PATCH its secret) to replace every secret at once, as for a leaked one.`,
      { firstOverlapEndsAt: firstEnds.toISOString() },
    );
  }
}

/** A second subscription sending the same events to the same receiver would deliver each of them twice. */
export class SubscriptionExists extends DomainError {
  constructor(existing: { id: string; createdAt: Date; createdBy: string }) {
    super(
      SubscriptionErrorCode.SubscriptionExists,
      409,
      `Subscription ${existing.id} (made ${existing.createdAt.toISOString()} by ${existing.createdBy}) already sends these events to this receiver for this team: a second would deliver each one twice. Use it (GET /v1/subscriptions/${existing.id}); a lost webhook secret is replaced with POST /v1/subscriptions/${existing.id}/secret/rotate; other filters are set with PATCH, or DELETE it first.`,
      { subscriptionId: existing.id },
    );
  }
}
