import { Injectable } from '@nestjs/common';
import { OutboundClientProvider } from '../../outbound/outbound-client.provider';
import { expectSuccess, type Channel, type ChannelSend } from '../channel';
import { MessageRenderer } from '../notification-message';
import { slackPayload } from './slack-message';

/** A Slack incoming webhook; its URL is the credential, so it travels sealed as the secret. */
@Injectable()
export class SlackChannel implements Channel {
  readonly name = 'slack';
  readonly endsPlacementsAfterRelease = false;

  constructor(
    private readonly outbound: OutboundClientProvider,
    private readonly renderer: MessageRenderer,
  ) {}

  accepts(): boolean {
    return true;
  }

  async send({ delivery, targetUrl }: ChannelSend): Promise<{ statusCode: number }> {
    const response = await this.outbound.send({
      url: targetUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(slackPayload(this.renderer.render(delivery.event))),
    });
    return { statusCode: expectSuccess(response, 'Slack').status };
  }
}
