import { DomainError, type FieldProblem } from '@holdfast/service-kit';

export enum SubscriptionErrorCode {
  NotFound = 'subscription-not-found',
  InvalidSubscription = 'invalid-subscription',
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
