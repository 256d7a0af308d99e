import { DomainError } from '@holdfast/service-kit';

export enum DeliveryErrorCode {
  NotFound = 'delivery-not-found',
  NotReplayable = 'delivery-not-replayable',
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
