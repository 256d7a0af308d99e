import { InjectServiceConfig, Clock, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { NotifierSettings } from '../../config/notifier-settings';
import type { DeliveredEvent } from '../../deliveries/delivery.entity';
import { heldWindowsOf } from '../../deliveries/event-facts';
import { OutboundClientProvider } from '../../outbound/outbound-client.provider';
import { expectSuccess, TEST_EVENT_TYPE, type Channel, type ChannelSend } from '../channel';
import { MessageRenderer } from '../notification-message';
import { HoldAlertEntity } from './hold-alert.entity';
import { HoldReleaseEntity } from './hold-release.entity';
import { placementsUntold } from './holds-in-force';
import { claimHold, keepAlerts } from './kept-alerts';
import { endedAt, firingUntil, holdAlerts, HOLD_ALERT_NAME, keptBeside, type PostableAlert } from './postable-alert';
import { receiverApiUrl } from '../receiver-api-url';
import { authorizationOf } from '../receiver-authorization';

/**
 * Alertmanager's API v2: while a hold is active its alerts are posted with endsAt a TTL ahead and
 * re-posted before that (HoldAlertRefresher); the release posts them again with endsAt = the
 * release time, which resolves them.
 */
@Injectable()
export class AlertmanagerChannel implements Channel {
  readonly name = 'alertmanager';
  readonly endsPlacementsAfterRelease = true;
  private readonly ttlMs: number;

  constructor(
    private readonly outbound: OutboundClientProvider,
    private readonly renderer: MessageRenderer,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() config: ServiceConfig<NotifierSettings>,
  ) {
    this.ttlMs = config.settings.alertTtlMs;
  }

  accepts(eventType: string): boolean {
    return eventType === 'hold.placed' || eventType === 'hold.released' || eventType === TEST_EVENT_TYPE;
  }

  async send({ delivery, subscription, secret, targetUrl }: ChannelSend): Promise<{ statusCode: number }> {
    const message = this.renderer.render(delivery.event);
    const now = this.clock.now();
    const holds = this.dataSource.getRepository(HoldAlertEntity);

    if (delivery.eventType === TEST_EVENT_TYPE) {
      const test: PostableAlert = {
        labels: { alertname: `${HOLD_ALERT_NAME}Test`, subscription: subscription.id },
        annotations: { summary: message.title },
        startsAt: now.toISOString(),
        endsAt: new Date(now.getTime() + 60_000).toISOString(),
        generatorURL: message.link,
      };
      return { statusCode: await this.post(targetUrl, secret, [test]) };
    }

    const holdId = message.holdId as string;
    if (delivery.eventType === 'hold.placed') {
      const alerts = this.placementAlerts(delivery.event);
      // Sent after the hold's release was consumed (it waited for a retry, or was replayed): that release
      // reached this subscription first or never will (its filters), so the alerts are posted ended.
      const release = await this.dataSource.getRepository(HoldReleaseEntity).findOneBy({ holdId });
      const endsAt = (alert: PostableAlert) => (release ? endedAt(alert, release.releasedAt.toISOString()) : firingUntil(alert, now, this.ttlMs));
      const refreshAt = new Date(now.getTime() + this.ttlMs / 3);
      const postKept = async (manager: EntityManager, posted: PostableAlert[], postedWithoutDelivery: string[] = []) => {
        const statusCode = await this.post(targetUrl, secret, posted.map((alert) => ({ ...alert, endsAt: endsAt(alert) })));
        await keepAlerts(manager, { subscriptionId: subscription.id, holdId, alerts: posted, active: !release, refreshAt, postedWithoutDelivery });
        return { statusCode };
      };
      // The hold's placements from before the subscription (made, turned on, or its filters widened since), which no delivery
      // posts: the refresher leaves a hold with a placement delivery to that delivery, so the hold's first post carries them.
      // Claimed and posted in one transaction, as the refresher claims a hold never told of: only one of the two posts them,
      // and a refused post leaves no claim behind. Rare (a subscription made during a hold), so a connection is held only then.
      // A hold it was told of already (its filters widened since) has those placements posted by the refresher, not here.
      const untold = await placementsUntold(this.dataSource.manager, subscription.id, holdId);
      if (untold.length === 0) return postKept(this.dataSource.manager, alerts);
      const first = keptBeside(alerts, this.placementsAlerts(untold));
      const postedWithoutDelivery = untold.map(({ id }) => id);
      return this.dataSource.transaction(async (transaction) =>
        (await claimHold(transaction, { subscriptionId: subscription.id, holdId, alerts: first, refreshAt, postedWithoutDelivery }))
          ? postKept(transaction, first, postedWithoutDelivery)
          : postKept(transaction, alerts),
      );
    }

    const releasedAt = (delivery.event.data as { releasedAt: string }).releasedAt;
    // Deactivated first: this waits for a refresh in progress (it holds the row), so the resolution is posted last.
    await holds.update({ subscriptionId: subscription.id, holdId }, { active: false, paused: false });
    const known = await holds.findOneBy({ subscriptionId: subscription.id, holdId });
    const alerts = known?.alerts ?? holdAlerts(message, releasedAt, () => undefined, (windowId) => this.renderer.windowPage(windowId));
    const statusCode = await this.post(targetUrl, secret, alerts.map((alert) => ({ ...alert, endsAt: endedAt(alert, releasedAt) })));
    return { statusCode };
  }

  /** The alerts a hold.placed fires, without endsAt: one per region and held window. The refresher uses it too. */
  placementAlerts(placement: DeliveredEvent): PostableAlert[] {
    const data = placement.data as { from: string };
    const teams = new Map(heldWindowsOf(placement.data).map((window) => [window.windowId, window.ownerTeam]));
    return holdAlerts(this.renderer.render(placement), data.from, (windowId) => teams.get(windowId), (windowId) => this.renderer.windowPage(windowId));
  }

  /** The alerts of a hold's placements, oldest first: an extension's win over those of the placements before it. */
  placementsAlerts(placements: DeliveredEvent[]): PostableAlert[] {
    return placements.reduce<PostableAlert[]>((before, placement) => keptBeside(this.placementAlerts(placement), before), []);
  }

  /** Posts alerts to <target>/api/v2/alerts; the refresher uses it too. */
  async post(targetUrl: string, secret: string | null, alerts: PostableAlert[]): Promise<number> {
    const response = await this.outbound.send({
      url: receiverApiUrl(targetUrl, '/api/v2/alerts').href,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { authorization: authorizationOf(secret) } : {}) },
      body: JSON.stringify(alerts),
    });
    return expectSuccess(response, 'Alertmanager').status;
  }
}
