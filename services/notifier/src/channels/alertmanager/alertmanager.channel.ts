import { InjectServiceConfig, Clock, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { NotifierSettings } from '../../config/notifier-settings';
import { heldWindowsOf } from '../../deliveries/event-facts';
import { OutboundClientProvider } from '../../outbound/outbound-client.provider';
import { expectSuccess, TEST_EVENT_TYPE, type Channel, type ChannelSend } from '../channel';
import { MessageRenderer } from '../notification-message';
import { HoldAlertEntity } from './hold-alert.entity';
import { HoldReleaseEntity } from './hold-release.entity';
import { endedAt, firingUntil, holdAlerts, HOLD_ALERT_NAME, type PostableAlert } from './postable-alert';
import { receiverApiUrl } from '../receiver-api-url';
import { authorizationOf } from '../receiver-authorization';

/** An alert's identity in Alertmanager: its label set. */
const alertKey = (alert: PostableAlert): string => JSON.stringify(Object.entries(alert.labels).sort(([a], [b]) => a.localeCompare(b)));

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
      const data = delivery.event.data as { from: string };
      const teams = new Map(heldWindowsOf(delivery.event.data).map((window) => [window.windowId, window.ownerTeam]));
      const alerts = holdAlerts(message, data.from, (windowId) => teams.get(windowId), (windowId) => this.renderer.windowPage(windowId));
      // Sent after the hold's release was consumed (it waited for a retry, or was replayed): that release
      // reached this subscription first or never will (its filters), so the alerts are posted ended.
      const release = await this.dataSource.getRepository(HoldReleaseEntity).findOneBy({ holdId });
      const endsAt = (alert: PostableAlert) => (release ? endedAt(alert, release.releasedAt.toISOString()) : firingUntil(alert, now, this.ttlMs));
      const statusCode = await this.post(targetUrl, secret, alerts.map((alert) => ({ ...alert, endsAt: endsAt(alert) })));
      // An extension may list other windows (or only some, past the event's list limit): the alerts
      // posted before are kept beside them, refreshed until the release resolves every one.
      const before = (await holds.findOneBy({ subscriptionId: subscription.id, holdId }))?.alerts ?? [];
      const posted = new Set(alerts.map(alertKey));
      const kept = [...alerts, ...before.filter((alert) => !posted.has(alertKey(alert)))];
      await holds.upsert({ subscriptionId: subscription.id, holdId, alerts: kept, active: !release, paused: false, refreshAt: new Date(now.getTime() + this.ttlMs / 3) }, ['subscriptionId', 'holdId']);
      return { statusCode };
    }

    const releasedAt = (delivery.event.data as { releasedAt: string }).releasedAt;
    // Deactivated first: this waits for a refresh in progress (it holds the row), so the resolution is posted last.
    await holds.update({ subscriptionId: subscription.id, holdId }, { active: false, paused: false });
    const known = await holds.findOneBy({ subscriptionId: subscription.id, holdId });
    const alerts = known?.alerts ?? holdAlerts(message, releasedAt, () => undefined, (windowId) => this.renderer.windowPage(windowId));
    const statusCode = await this.post(targetUrl, secret, alerts.map((alert) => ({ ...alert, endsAt: endedAt(alert, releasedAt) })));
    return { statusCode };
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
