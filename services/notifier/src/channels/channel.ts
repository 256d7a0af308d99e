import type { DeliveryEntity } from '../deliveries/delivery.entity';
import type { OutboundResponse } from '../outbound/outbound-http.client';
import type { SubscriptionEntity } from '../subscriptions/subscription.entity';
import type { PreviousSecret } from '../subscriptions/subscriptions.service';
import type { ChannelName } from './channel-name';

/** What a channel needs to send one delivery: the delivery, its subscription and the opened secret. */
export interface ChannelSend {
  delivery: DeliveryEntity;
  subscription: SubscriptionEntity;
  secret: string | null;
  /** Webhook secrets rotations replaced, newest first, each signing beside the current one until its overlap ends. */
  previousSecrets?: readonly PreviousSecret[];
  /** Where to send: the subscription's target, or for Slack the full webhook URL kept sealed. */
  targetUrl: string;
}

export interface Channel {
  readonly name: ChannelName;
  /** Whether an event type means anything on this channel; deliveries are recorded only for those. */
  accepts(eventType: string): boolean;
  /**
   * Whether the channel shows a hold's placement sent after the hold's release as ended (Alertmanager posts
   * its alerts ended, Grafana ends its annotation at the release). To the others it would say the released
   * hold is in force again, so the worker cancels it instead (supersedingRelease).
   */
  readonly endsPlacementsAfterRelease: boolean;
  /** Resolves with the receiver's status when it took the delivery; throws DeliveryFailure or OutboundError otherwise. */
  send(request: ChannelSend): Promise<{ statusCode: number | null }>;
}

export const TEST_EVENT_TYPE = 'notifier.test';

/** The receiver answered, but not with success; `retryable` for 408, 429 and 5xx. */
export class DeliveryFailure extends Error {
  override readonly name = 'DeliveryFailure';

  constructor(
    message: string,
    readonly statusCode: number,
    readonly retryable: boolean,
    readonly retryAfter: string | undefined,
  ) {
    super(message);
  }
}

// What follows "<receiver> answered <status>" in a DeliveryFailure's message: the start of the receiver's body. Every
// receiver name is ours and holds no "answered", so the first match is where the body starts, whatever the body says.
const RECEIVER_BODY = / answered (\d{3}): .*$/s;

/**
 * An attempt's error without what the receiver's body said, for keys of other teams than the subscription's: a body
 * can carry the receiver's internals, or, from an allow-listed private address, what the notifier was made to read there.
 */
export function withoutReceiverBody(error: string): string {
  return error.replace(RECEIVER_BODY, ' answered $1');
}

/** Returns the response when it is a success, throws the DeliveryFailure it means otherwise. */
export function expectSuccess(response: OutboundResponse, what: string): OutboundResponse {
  const { status } = response;
  if (status >= 200 && status < 300) return response;
  const retryable = status === 408 || status === 429 || status >= 500;
  const retryAfter = response.headers['retry-after'];
  const excerpt = response.body.slice(0, 200).replace(/\s+/g, ' ').trim();
  throw new DeliveryFailure(`${what} answered ${status}${excerpt ? `: ${excerpt}` : ''}`, status, retryable, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
}
