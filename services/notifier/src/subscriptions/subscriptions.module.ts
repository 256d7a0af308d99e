import { SERVICE_CONFIG, type ServiceConfig } from '@holdfast/service-kit';
import { Logger, Module } from '@nestjs/common';
import { messageRendererProviders } from '../channels/message-renderer.provider';
import type { NotifierSettings } from '../config/notifier-settings';
import { HOST_LOOKUP, systemLookup } from '../outbound/outbound-http.client';
import { SecretBox } from './secret-box';
import { SecretReseal } from './secret-reseal';
import { SubscriptionsController } from './subscriptions.controller';
import { SubscriptionsService } from './subscriptions.service';

@Module({
  controllers: [SubscriptionsController],
  providers: [
    SubscriptionsService,
    SecretReseal,
    { provide: HOST_LOOKUP, useValue: systemLookup },
    ...messageRendererProviders,
    {
      provide: SecretBox,
      inject: [SERVICE_CONFIG],
      useFactory: (config: ServiceConfig<NotifierSettings>) => {
        const box = new SecretBox(config.settings.secretKey);
        if (box.usesDevelopmentKey) new Logger('SecretBox').warn('NOTIFIER_SECRET_KEY is unset: channel secrets are sealed with the built-in development key. Set it (openssl rand -base64 32) anywhere but a laptop.');
        return box;
      },
    },
  ],
  exports: [SubscriptionsService, ...messageRendererProviders],
})
export class SubscriptionsModule {}
