import { Injectable } from '@nestjs/common';
import { AlertmanagerChannel } from './alertmanager/alertmanager.channel';
import type { Channel } from './channel';
import type { ChannelName } from './channel-name';
import { GrafanaChannel } from './grafana/grafana.channel';
import { SlackChannel } from './slack/slack.channel';
import { WebhookChannel } from './webhook/webhook.channel';

@Injectable()
export class ChannelRegistry {
  private readonly channels: ReadonlyMap<ChannelName, Channel>;

  constructor(webhook: WebhookChannel, slack: SlackChannel, grafana: GrafanaChannel, alertmanager: AlertmanagerChannel) {
    this.channels = new Map<ChannelName, Channel>([webhook, slack, grafana, alertmanager].map((channel) => [channel.name, channel]));
  }

  get(name: ChannelName): Channel {
    const channel = this.channels.get(name);
    if (!channel) throw new Error(`no channel ${name}`);
    return channel;
  }
}
