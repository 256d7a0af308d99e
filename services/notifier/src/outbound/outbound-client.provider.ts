import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { NotifierSettings } from '../config/notifier-settings';
import { NOTIFIER_VERSION } from '../notifier-version';
import { AddressPolicy } from './address-policy';
import { OutboundHttpClient, type OutboundRequest, type OutboundResponse } from './outbound-http.client';

/** How every request to a receiver names its sender, so receivers and proxies can tell the notifier's apart, and which release sent it. */
const USER_AGENT = `Holdfast-Notifier/${NOTIFIER_VERSION}`;

/** The one outbound client of the service, with the configured allow-list, timeout and User-Agent. */
@Injectable()
export class OutboundClientProvider implements OnApplicationShutdown {
  private readonly client: OutboundHttpClient;
  private readonly timeoutMs: number;

  constructor(@InjectServiceConfig() config: ServiceConfig<NotifierSettings>) {
    this.client = new OutboundHttpClient(new AddressPolicy(config.settings.outboundAllow));
    this.timeoutMs = config.settings.delivery.timeoutMs;
  }

  send(request: Omit<OutboundRequest, 'timeoutMs'>): Promise<OutboundResponse> {
    return this.client.send({ ...request, headers: { ...request.headers, 'user-agent': USER_AGENT }, timeoutMs: this.timeoutMs });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}
