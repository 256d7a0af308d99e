import { ConsumerGroups, Topics } from '@holdfast/contracts';
import { defineService } from '@holdfast/service-kit';
import { HoldAlertEntity } from './channels/alertmanager/hold-alert.entity';
import { HoldPlacementEntity } from './channels/alertmanager/hold-placement.entity';
import { HoldReleaseEntity } from './channels/alertmanager/hold-release.entity';
import { GrafanaAnnotationEntity } from './channels/grafana/grafana-annotation.entity';
import { notifierChecks, notifierEnvironment, notifierSettings } from './config/notifier-settings';
import { CreateDelivery1764000100000 } from './database/migrations/1764000100000-create-delivery';
import { CreateSubscriptionsAndDeliveryAttempts1764000200000 } from './database/migrations/1764000200000-create-subscriptions-and-delivery-attempts';
import { RecordWhyASubscriptionStopped1766200000000 } from './database/migrations/1766200000000-record-why-a-subscription-stopped';
import { RememberHoldReleases1766300000000 } from './database/migrations/1766300000000-remember-hold-releases';
import { RememberAnnotationStarts1766400000000 } from './database/migrations/1766400000000-remember-annotation-starts';
import { RememberAlertsPausedByTheirSubscription1766600000000 } from './database/migrations/1766600000000-remember-alerts-paused-by-their-subscription';
import { HoldReleaseRecordedAt1767000200000 } from './database/migrations/1767000200000-hold-release-recorded-at';
import { DeliveryFinishedAt1767100000000 } from './database/migrations/1767100000000-delivery-finished-at';
import { RotateWebhookSecrets1767200000000 } from './database/migrations/1767200000000-rotate-webhook-secrets';
import { PruneHoldRecordsAndDeletedSubscriptions1767200100000 } from './database/migrations/1767200100000-prune-hold-records-and-deleted-subscriptions';
import { KeepEverySecretStillSigning1767300000000 } from './database/migrations/1767300000000-keep-every-secret-still-signing';
import { SubscriptionSendingVersion1767400000000 } from './database/migrations/1767400000000-subscription-sending-version';
import { SubscriptionVersion1768100000000 } from './database/migrations/1768100000000-subscription-version';
import { SubscriptionTurnedOffAt1768400000000 } from './database/migrations/1768400000000-subscription-turned-off-at';
import { RememberOpenCircuits1768500000000 } from './database/migrations/1768500000000-remember-open-circuits';
import { HoldReleasesKeptForHeldWindows1768600000000 } from './database/migrations/1768600000000-hold-releases-kept-for-held-windows';
import { HoldReleaseWindows1768800000000 } from './database/migrations/1768800000000-hold-release-windows';
import { WindowIdFiltersLowerCase1768800100000 } from './database/migrations/1768800100000-window-id-filters-lower-case';
import { RememberDeliveryClaims1768900200000 } from './database/migrations/1768900200000-remember-delivery-claims';
import { RememberReplicaRuns1769000100000 } from './database/migrations/1769000100000-remember-replica-runs';
import { RememberHoldsInForce1769100100000 } from './database/migrations/1769100100000-remember-holds-in-force';
import { RememberPlacementsPostedWithoutDelivery1769200300000 } from './database/migrations/1769200300000-remember-placements-posted-without-delivery';
import { DeliveriesModule } from './deliveries/deliveries.module';
import { DeliveryAttemptEntity } from './deliveries/delivery-attempt.entity';
import { DeliveryEntity } from './deliveries/delivery.entity';
import { OpenCircuitEntity } from './outbound/open-circuit.entity';
import { SERVICE_NAME } from './service-name';
import { SubscriptionEntity } from './subscriptions/subscription.entity';

/** The notifier: tells owners, dashboards and alert consumers what was held and released. */
export const notifierService = defineService({
  name: SERVICE_NAME,
  description: 'Tells owners, dashboards and alert consumers about holds, releases and window changes.',
  schema: 'notifier',
  defaultPort: 3003,
  environment: notifierEnvironment,
  checks: notifierChecks,
  settings: notifierSettings,
  topics: [Topics.maintenanceWindows, Topics.maintenanceHolds, Topics.regionSurges, Topics.regionSignals],
  entities: [SubscriptionEntity, DeliveryEntity, DeliveryAttemptEntity, GrafanaAnnotationEntity, HoldAlertEntity, HoldReleaseEntity, HoldPlacementEntity, OpenCircuitEntity],
  migrations: [CreateDelivery1764000100000, CreateSubscriptionsAndDeliveryAttempts1764000200000, RecordWhyASubscriptionStopped1766200000000, RememberHoldReleases1766300000000, RememberAnnotationStarts1766400000000, RememberAlertsPausedByTheirSubscription1766600000000, HoldReleaseRecordedAt1767000200000, DeliveryFinishedAt1767100000000, RotateWebhookSecrets1767200000000, PruneHoldRecordsAndDeletedSubscriptions1767200100000, KeepEverySecretStillSigning1767300000000, SubscriptionSendingVersion1767400000000, SubscriptionVersion1768100000000, SubscriptionTurnedOffAt1768400000000, RememberOpenCircuits1768500000000, HoldReleasesKeptForHeldWindows1768600000000, HoldReleaseWindows1768800000000, WindowIdFiltersLowerCase1768800100000, RememberDeliveryClaims1768900200000, RememberReplicaRuns1769000100000, RememberHoldsInForce1769100100000, RememberPlacementsPostedWithoutDelivery1769200300000],
  modules: [DeliveriesModule],
  keysConsumerGroup: ConsumerGroups.notifierKeys,
});
