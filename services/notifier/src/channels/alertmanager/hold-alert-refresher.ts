import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, LessThanOrEqual } from 'typeorm';
import type { NotifierSettings } from '../../config/notifier-settings';
import { DeliveryEntity, type DeliveredEvent } from '../../deliveries/delivery.entity';
import { OutboundError } from '../../outbound/outbound-http.client';
import { SubscriptionEntity } from '../../subscriptions/subscription.entity';
import { SubscriptionsService } from '../../subscriptions/subscriptions.service';
import { AlertmanagerChannel } from './alertmanager.channel';
import { HoldAlertEntity } from './hold-alert.entity';
import { HoldReleaseEntity } from './hold-release.entity';
import { FILTERS_TAKE_PLACEMENT, placementsUntold } from './holds-in-force';
import { claimHold, keepAlerts } from './kept-alerts';
import { endedAt, firingUntil, keptBeside, notAmong, type PostableAlert } from './postable-alert';

/** How many holds a run posts of each kind (due, never posted, and with placements never told): the rest wait for the next run. */
const HOLDS_PER_RUN = 500;

// The holds in force whose placement died (out of attempts, refused, or left unsent) for an Alertmanager subscription on:
// their alerts were never posted, or an extension's never joined them, and only a replay would have posted them. Read
// through delivery_by_status, so a run walks the dead deliveries only, few while nothing is failing. Each subscription's
// oldest first, taken a hold of each in turn: an Alertmanager away with more dead placements than a run takes would
// otherwise fill every run, and no other subscription's would ever be posted.
const UNPOSTED_PLACEMENTS = `SELECT "subscriptionId", "holdId" FROM (
    SELECT d.subscription_id AS "subscriptionId", substr(d.ordering_key, 6) AS "holdId", row_number() OVER (PARTITION BY d.subscription_id ORDER BY min(d.seq)) AS turn
    FROM delivery d JOIN subscription s ON s.id = d.subscription_id
    WHERE d.status = 'dead' AND d.channel = 'alertmanager' AND d.event_type = 'hold.placed' AND s.enabled AND s.deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM hold_release r WHERE r.hold_id = substr(d.ordering_key, 6)::uuid)
    GROUP BY d.subscription_id, d.ordering_key) AS unposted
  ORDER BY turn, "subscriptionId"
  LIMIT ${HOLDS_PER_RUN}`;

// Locked: another replica's run skips them, and a replay meanwhile waits, then finds them superseded.
const DEAD_PLACEMENTS = `SELECT id FROM delivery WHERE subscription_id = $1 AND ordering_key = $2 AND event_type = 'hold.placed' AND status = 'dead' FOR UPDATE SKIP LOCKED`;

const SUPERSEDE = `UPDATE delivery SET status = 'cancelled', finished_at = $2, last_error = $3 WHERE id = ANY($1::uuid[])`;

// The holds in force with a placement an Alertmanager subscription on was never told of: subscribed, turned on or its
// filters widened after it was placed. Such a placement has no delivery for the subscription, and the alert record of its
// hold does not list it as posted. A hold the subscription keeps no alert record of (firing, paused or ended) and has a
// placement delivery of is that delivery's, which posts the placements untold with it (a dead one is UNPOSTED_PLACEMENTS');
// one whose record is ended was released. Each subscription's oldest first, taken a hold of each in turn, so an
// Alertmanager away (tried once a run) takes no more of the run than its share.
const UNTOLD_HOLDS = `SELECT "subscriptionId", "holdId" FROM (
    SELECT s.id AS "subscriptionId", p.hold_id AS "holdId", row_number() OVER (PARTITION BY s.id ORDER BY min(p.seq)) AS turn
    FROM subscription s JOIN hold_placement p ON ${FILTERS_TAKE_PLACEMENT}
      LEFT JOIN hold_alert a ON a.subscription_id = s.id AND a.hold_id = p.hold_id
    WHERE s.channel = 'alertmanager' AND s.enabled AND s.deleted_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM delivery d WHERE d.event_id = p.event_id AND d.subscription_id = s.id)
      AND CASE WHEN a.hold_id IS NULL
        THEN NOT EXISTS (SELECT 1 FROM delivery d WHERE d.subscription_id = s.id AND d.ordering_key = 'hold:' || p.hold_id AND d.event_type = 'hold.placed')
        ELSE a.active AND p.event_id <> ALL (a.posted_without_delivery) END
    GROUP BY s.id, p.hold_id) AS untold
  ORDER BY turn, "subscriptionId"
  LIMIT ${HOLDS_PER_RUN}`;

/** Why a dead placement the refresher posted in its stead is no longer dead: nothing is left to replay. */
const postedByRefreshReason = (holdId: string, at: Date): string =>
  `superseded by the alert refresh: hold ${holdId}'s alerts were posted at ${at.toISOString()} and are re-posted while the hold lasts, so there is nothing to replay (the attempts say why this delivery died)`;

/**
 * Re-posts the alerts of active holds a third of the TTL after their last post, so Alertmanager
 * never lets one lapse while the hold lasts; a subscription deleted or turned off meanwhile has
 * its alerts let go instead, and a hold released meanwhile has them ended. A hold in force whose
 * placement died for a subscription on (Alertmanager away for all its attempts) is posted too, at
 * the next run Alertmanager takes it, and that placement marked superseded; so is a placement of a
 * hold in force that an Alertmanager subscribed, turned on, or its filters widened after it was
 * placed was never told of (HoldsInForce), beside the alerts of the hold it keeps, if any.
 * `refreshDue()` is the job; a timer runs it, and tests call it after moving the clock.
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

  /**
   * Posts every active hold's alerts whose refresh is due, then those of holds in force whose placement died, then those of
   * the placements of holds in force a subscription was never told of; returns how many holds' alerts were posted firing.
   */
  async refreshDue(): Promise<number> {
    const now = this.clock.now();
    const due = await this.dataSource.getRepository(HoldAlertEntity).find({ where: { active: true, refreshAt: LessThanOrEqual(now) }, take: HOLDS_PER_RUN });
    const unposted = (await this.dataSource.query(UNPOSTED_PLACEMENTS)) as { subscriptionId: string; holdId: string }[];
    const untold = (await this.dataSource.query(UNTOLD_HOLDS)) as { subscriptionId: string; holdId: string }[];
    // An Alertmanager that does not answer costs a run one timeout, not one per hold: runs go one at a time, and other
    // subscriptions' alerts would lapse behind it. Its holds wait for the next run.
    const unreachable = new Set<string>();
    let posted = 0;
    const post = async (holds: { subscriptionId: string; holdId: string }[], job: (subscriptionId: string, holdId: string, now: Date) => Promise<boolean>) => {
      for (const { subscriptionId, holdId } of holds) {
        if (unreachable.has(subscriptionId)) continue;
        try {
          if (await job(subscriptionId, holdId, now)) posted += 1;
        } catch (error) {
          if (error instanceof OutboundError) unreachable.add(subscriptionId);
          this.logger.warn({ subscriptionId, holdId, err: (error as Error).message }, 'could not re-post hold alerts; trying again on the next run');
        }
      }
    };
    await post(due, (subscriptionId, holdId) => this.refresh(subscriptionId, holdId, now));
    await post(unposted, (subscriptionId, holdId) => this.postUnposted(subscriptionId, holdId, now));
    await post(untold, (subscriptionId, holdId) => this.postUntold(subscriptionId, holdId, now));
    return posted;
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

  /**
   * Posts the alerts of a hold in force whose placement (or an extension) died for this subscription, as its delivery
   * would have, beside those already kept; the dead placements are marked superseded (cancelled, saying so): they no
   * longer count as dead, and a replay would post the same alerts again. A release that overtakes the post ends the
   * alerts at the next run, as for a placement sent while its release was consumed.
   */
  private postUnposted(subscriptionId: string, holdId: string, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (transaction) => {
      const orderingKey = `hold:${holdId}`;
      const dead = (await transaction.query(DEAD_PLACEMENTS, [subscriptionId, orderingKey])) as { id: string }[];
      if (dead.length === 0) return false;
      const subscription = await transaction.getRepository(SubscriptionEntity).findOneBy({ id: subscriptionId, deletedAt: IsNull() });
      if (!subscription?.enabled || (await transaction.getRepository(HoldReleaseEntity).existsBy({ holdId }))) return false;
      const keptAlerts = () => transaction.getRepository(HoldAlertEntity).findOne({ where: { subscriptionId, holdId }, lock: { mode: 'pessimistic_write' } });
      let kept = await keptAlerts();
      // Every placement of the hold recorded for the subscription, oldest first, so an extension's alerts win over those it renews.
      const placements = await transaction.getRepository(DeliveryEntity).find({ select: { event: true }, where: { subscriptionId, orderingKey, eventType: 'hold.placed' }, order: { seq: 'ASC' } });
      const beside = (before: PostableAlert[]) => placements.reduce((earlier, { event }) => keptBeside(this.channel.placementAlerts(event), earlier), before);
      const refreshAt = new Date(now.getTime() + this.ttlMs / 3);
      let untold: DeliveredEvent[] = [];
      if (!kept) {
        // Never posted before: with the placements it has no delivery of (placed before it), which only the hold's first post
        // carries. Those a delivery's first post would carry too, so the record is claimed before the post, as that delivery
        // claims it: an extension's delivery meanwhile waits for this post, then finds the hold claimed and posts its own
        // windows alone. Without them the two posts share no window, and the delivery is not held up.
        untold = await placementsUntold(transaction, subscriptionId, holdId);
        const claim = { subscriptionId, holdId, alerts: beside(this.channel.placementsAlerts(untold)), refreshAt, postedWithoutDelivery: untold.map(({ id }) => id) };
        // Claimed by a delivery since, which posted those: the dead placements are posted beside what it keeps.
        if (untold.length > 0 && !(await claimHold(transaction, claim))) [kept, untold] = [await keptAlerts(), []];
      }
      // Ended by a release consumed before releases were remembered: it stays ended.
      if (kept && !kept.active) return false;
      const alerts = beside(kept?.alerts ?? this.channel.placementsAlerts(untold));
      const { secret, targetUrl } = this.subscriptions.sendingDetails(subscription);
      await this.channel.post(targetUrl, secret, alerts.map((alert) => ({ ...alert, endsAt: firingUntil(alert, now, this.ttlMs) })));
      // Merged with what a placement's delivery kept meanwhile: with no row yet and none claimed, the lock above held nothing.
      await keepAlerts(transaction, { subscriptionId, holdId, alerts, active: true, refreshAt, postedWithoutDelivery: untold.map(({ id }) => id) });
      await transaction.query(SUPERSEDE, [dead.map(({ id }) => id), now, postedByRefreshReason(holdId, now)]);
      return true;
    });
  }

  /**
   * Posts the placements of a hold in force that an Alertmanager subscription was never told of, as they would have fired
   * (an extension's alerts winning over those before), and keeps them to be re-posted. Never told of the hold, its
   * alerts are claimed first, so a placement delivery or another replica's run posts them once. Told of it (its filters
   * widened since), the alerts those placements add to the ones it keeps are posted, and re-posted with them at its refresh.
   * A release consumed meanwhile ends them at the next run, as for a placement sent while its release was consumed.
   */
  private postUntold(subscriptionId: string, holdId: string, now: Date): Promise<boolean> {
    return this.dataSource.transaction(async (transaction) => {
      const subscription = await transaction.getRepository(SubscriptionEntity).findOneBy({ id: subscriptionId, deletedAt: IsNull() });
      if (!subscription?.enabled) return false;
      // Locked: a delivery or another run writing it meanwhile waits, and the placements untold are read after what it posted.
      const kept = await transaction.getRepository(HoldAlertEntity).findOne({ where: { subscriptionId, holdId }, lock: { mode: 'pessimistic_write' } });
      if (kept && !kept.active) return false;
      // Recorded since the run read the holds: that delivery posts the hold.
      if (!kept && (await transaction.getRepository(DeliveryEntity).existsBy({ subscriptionId, orderingKey: `hold:${holdId}`, eventType: 'hold.placed' }))) return false;
      const untold = await placementsUntold(transaction, subscriptionId, holdId);
      // Released since the run read the holds (its placements are gone with the release), or posted by another since.
      if (untold.length === 0) return false;
      const postedWithoutDelivery = untold.map(({ id }) => id);
      const { secret, targetUrl } = this.subscriptions.sendingDetails(subscription);
      const post = (alerts: PostableAlert[]) => this.channel.post(targetUrl, secret, alerts.map((alert) => ({ ...alert, endsAt: firingUntil(alert, now, this.ttlMs) })));
      if (!kept) {
        const alerts = this.channel.placementsAlerts(untold);
        // A placement delivery or another replica's run that claimed it first posts it, and this one posts nothing.
        if (!(await claimHold(transaction, { subscriptionId, holdId, alerts, refreshAt: new Date(now.getTime() + this.ttlMs / 3), postedWithoutDelivery }))) return false;
        await post(alerts);
        return true;
      }
      // Only the alerts Alertmanager does not have from those kept; they are re-posted with them at the record's refresh, as due.
      const added = notAmong(this.channel.placementsAlerts(untold), kept.alerts);
      if (added.length > 0) await post(added);
      await keepAlerts(transaction, { subscriptionId, holdId, alerts: added, active: true, refreshAt: kept.refreshAt, postedWithoutDelivery });
      return added.length > 0;
    });
  }
}
