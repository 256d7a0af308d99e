import { Module } from '@nestjs/common';
import { AlertmanagerChannel } from '../channels/alertmanager/alertmanager.channel';
import { HoldAlertRefresher } from '../channels/alertmanager/hold-alert-refresher';
import { HoldReleases } from '../channels/alertmanager/hold-releases';
import { HoldsInForce } from '../channels/alertmanager/holds-in-force';
import { ChannelRegistry } from '../channels/channel.registry';
import { GrafanaChannel } from '../channels/grafana/grafana.channel';
import { SlackChannel } from '../channels/slack/slack.channel';
import { WebhookChannel } from '../channels/webhook/webhook.channel';
import { OpenCircuits } from '../outbound/open-circuits';
import { OutboundClientProvider } from '../outbound/outbound-client.provider';
import { SubscriptionsModule } from '../subscriptions/subscriptions.module';
import { DeliveriesController } from './deliveries.controller';
import { DeliveriesService } from './deliveries.service';
import { DeliveryMetrics } from './delivery-metrics';
import { DeliveryPruner } from './delivery-pruner';
import { DeliveryStatistics } from './delivery-statistics';
import { DeliveryWorker } from './delivery.worker';
import { NotifierEventsConsumer } from './notifier-events.consumer';
import { SubscriptionTestController } from './subscription-test.controller';

@Module({
  imports: [SubscriptionsModule],
  controllers: [DeliveriesController, SubscriptionTestController],
  providers: [
    DeliveriesService,
    NotifierEventsConsumer,
    DeliveryWorker,
    DeliveryMetrics,
    DeliveryPruner,
    DeliveryStatistics,
    OutboundClientProvider,
    OpenCircuits,
    ChannelRegistry,
    WebhookChannel,
    SlackChannel,
    GrafanaChannel,
    AlertmanagerChannel,
    HoldAlertRefresher,
    HoldReleases,
    HoldsInForce,
  ],
})
export class DeliveriesModule {}
