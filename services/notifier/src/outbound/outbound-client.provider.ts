import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { NotifierSettings } from '../config/notifier-settings';
import { AddressPolicy } from './address-policy';
import { OutboundHttpClient, type OutboundRequest, type OutboundResponse } from './outbound-http.client';

/** The one outbound client of the service, with the configured allow-list and timeout. */
@Injectable()
export class OutboundClientProvider implements OnApplicationShutdown {
  private readonly client: OutboundHttpClient;
  private readonly timeoutMs: number;

  constructor(@InjectServiceConfig() config: ServiceConfig<NotifierSettings>) {
    this.client = new OutboundHttpClient(new AddressPolicy(config.settings.outboundAllow));
    this.timeoutMs = config.settings.delivery.timeoutMs;
  }

  send(request: Omit<OutboundRequest, 'timeoutMs'>): Promise<OutboundResponse> {
    return this.client.send({ ...request, timeoutMs: this.timeoutMs });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}
