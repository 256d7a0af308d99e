import { Clock } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { OutboundClientProvider } from '../../outbound/outbound-client.provider';
import type { Channel, ChannelSend } from '../channel';
import { expectSuccess } from '../channel';
import { webhookHeaders } from './webhook-signature';

/** The event itself as JSON (CloudEvents attributes and data), signed the Standard Webhooks way. */
@Injectable()
export class WebhookChannel implements Channel {
  readonly name = 'webhook';
  readonly endsPlacementsAfterRelease = false;

  constructor(
    private readonly outbound: OutboundClientProvider,
    private readonly clock: Clock,
  ) {}

  accepts(): boolean {
    return true;
  }

  async send({ delivery, secret, previousSecrets = [], targetUrl }: ChannelSend): Promise<{ statusCode: number }> {
    if (!secret) throw new Error('webhook subscription has no signing secret');
    const body = JSON.stringify(delivery.event);
    const now = this.clock.now();
    // The new secret first; each replaced one while its overlap lasts (read at the send, not when the subscription was cached).
    const secrets = [secret, ...previousSecrets.filter(({ until }) => until > now).map((previous) => previous.secret)];
    const response = await this.outbound.send({
      url: targetUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...webhookHeaders(secrets, delivery.eventId, now, body) },
      body,
    });
    return { statusCode: expectSuccess(response, 'webhook receiver').status };
  }
}
