import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, LessThanOrEqual } from 'typeorm';
import type { NotifierSettings } from '../../config/notifier-settings';
import { SubscriptionEntity } from '../../subscriptions/subscription.entity';
import { SubscriptionsService } from '../../subscriptions/subscriptions.service';
import { AlertmanagerChannel } from './alertmanager.channel';
import { HoldAlertEntity } from './hold-alert.entity';
import { HoldReleaseEntity } from './hold-release.entity';
import { endedAt, firingUntil } from './postable-alert';

/**
 * Re-posts the alerts of active holds a third of the TTL after their last post, so Alertmanager
 * never lets one lapse while the hold lasts; a subscription deleted or turned off meanwhile has
 * its alerts let go instead, and a hold released meanwhile has them ended. `refreshDue()` is the
 * job; a timer runs it, and tests call it after moving the clock.
 */
@Injectable()
export class HoldAlertRefresher implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(HoldAlertRefresher.name);
  private readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly channel: AlertmanagerChannel,
    private readonly subscriptions: SubscriptionsService,
    @InjectServiceConfig() config: ServiceConfig<NotifierSettings>,
  ) {
    this.ttlMs = config.settings.alertTtlMs;
  }

  onApplicationBootstrap(): void {
    // One run at a time: a run posting to a slow Alertmanager holds a connection per hold in turn, and runs piling up
    // behind it would take the whole pool. A run that fails (PostgreSQL away) is logged; unhandled, it ended the process.
    this.timer = setInterval(() => {
      this.running ??= this.refreshDue()
        .catch((error: Error) => this.logger.warn({ err: error.message }, 'could not look for hold alerts to re-post; trying again on the next run'))
        .finally(() => (this.running = undefined));
    }, Math.min(60_000, this.ttlMs / 6));
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Posts every active hold's alerts whose refresh is due; returns how many holds were refreshed. */
  async refreshDue(): Promise<number> {
    const now = this.clock.now();
    const due = await this.dataSource.getRepository(HoldAlertEntity).find({ where: { active: true, refreshAt: LessThanOrEqual(now) }, take: 500 });
    let refreshed = 0;
    for (const { subscriptionId, holdId } of due) {
      try {
        if (await this.refresh(subscriptionId, holdId, now)) refreshed += 1;
      } catch (error) {
        this.logger.warn({ subscriptionId, holdId, err: (error as Error).message }, 'could not re-post hold alerts; trying again on the next run');
      }
    }
    return refreshed;
  }

  // The row stays locked while posting, so a release (which deactivates it first) resolves after this post, never before.
  private refresh(subscriptionId: string, holdId: string, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (transaction) => {
      const hold = await transaction.getRepository(HoldAlertEntity).findOne({ where: { subscriptionId, holdId, active: true }, lock: { mode: 'pessimistic_write', onLocked: 'skip_locked' } });
      if (!hold) return false;
      const subscription = await transaction.getRepository(SubscriptionEntity).findOneBy({ id: subscriptionId, deletedAt: IsNull() });
      // Turned off (by a person, or by a 410): it is told nothing more, its hold's release included,
      // so its alerts are let go and lapse at the endsAt last posted, within the TTL.
      if (!subscription?.enabled) {
        await transaction.getRepository(HoldAlertEntity).update({ subscriptionId, holdId }, { active: false, paused: true });
        return false;
      }
      const { secret, targetUrl } = this.subscriptions.sendingDetails(subscription);
      // Released while its placement was being sent: the release found no active alerts then, so it
      // may never reach this subscription; the alerts are ended here instead.
      const release = await transaction.getRepository(HoldReleaseEntity).findOneBy({ holdId });
      if (release) {
        await this.channel.post(targetUrl, secret, hold.alerts.map((alert) => ({ ...alert, endsAt: endedAt(alert, release.releasedAt.toISOString()) })));
        await transaction.getRepository(HoldAlertEntity).update({ subscriptionId, holdId }, { active: false });
        return false;
      }
      await this.channel.post(targetUrl, secret, hold.alerts.map((alert) => ({ ...alert, endsAt: firingUntil(alert, now, this.ttlMs) })));
      await transaction.getRepository(HoldAlertEntity).update({ subscriptionId, holdId }, { refreshAt: new Date(now.getTime() + this.ttlMs / 3) });
      return true;
    });
  }
}
