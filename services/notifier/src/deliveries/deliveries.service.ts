import type { AnyHoldfastEvent } from '@holdfast/contracts';
import { answeredAtCommit, prepared } from '@holdfast/database';
import { assertActsFor, Clock, decodeCursor, pageOf, teamActedFor, type Principal } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In, IsNull, LessThan, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { HoldReleases } from '../channels/alertmanager/hold-releases';
import { HoldsInForce } from '../channels/alertmanager/holds-in-force';
import { TEST_EVENT_TYPE, withoutReceiverBody } from '../channels/channel';
import { ChannelRegistry } from '../channels/channel.registry';
import { OpenCircuits } from '../outbound/open-circuits';
import { subscriptionTargetKey } from '../outbound/target-key';
import type { ReplayRequest } from '../subscriptions/dto/subscription.schemas';
import { matchesFilters } from '../subscriptions/subscription-filters';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { SubscriptionNotFound } from '../subscriptions/subscription.exception';
import { DeliveryAttemptEntity } from './delivery-attempt.entity';
import { DeliveryEntity, type DeliveredEvent, type DeliveryStatus } from './delivery.entity';
import {
  DeliveriesOfOtherTeams,
  DeliveryNotFound,
  DeliveryNotReplayable,
  DeliveryReleaseOfUnsentPlacement,
  DeliverySubscriptionDeleted,
  DeliverySubscriptionDisabled,
  DeliverySuperseded,
} from './delivery.exception';
import { DeliveryStatistics } from './delivery-statistics';
import { deliveryView, type DeliveriesReplayed, type DeliveryView, type EarlierOpenDelivery } from './delivery-view.schema';
import { factsOf } from './event-facts';
import { releaseOfUnsentPlacement, supersedingRelease, type SupersedingRelease, type UnsentPlacement } from './superseding-release';

/** Woken on commit of a transaction that recorded or replayed deliveries (LISTEN in the worker). */
export const DELIVERIES_DUE_CHANNEL = 'notifier_deliveries_due';

/** What recording needs of a subscription: whom it matches, where its deliveries go, and whether it sends now. */
type RecordingSubscription = Pick<SubscriptionEntity, 'id' | 'channel' | 'target' | 'filters'> & Partial<Pick<SubscriptionEntity, 'enabled' | 'disabledReason'>>;

// Every event reads these and records through RECORD: prepared, so PostgreSQL neither parses nor plans them each time.
// Only the subscriptions not deleted whose type and region filters let the event through ($1 its type; $2 a global
// footprint, which every region filter lets through; $3 its regions): read whole, with 1,000 subscriptions
// every event paid 5-7 ms reading and filtering them all, against about 1 ms. matchesFilters still decides.
// One turned off having been on gets its delivery recorded dead, unsent, sent once it is on again; one made turned off, none.
const LIVE_SUBSCRIPTIONS = prepared(`SELECT id, channel, target, filters, enabled, disabled_reason AS "disabledReason" FROM subscription
  WHERE deleted_at IS NULL AND (enabled OR turned_off_at IS NOT NULL)
    AND (filters->'eventTypes' = '[]'::jsonb OR filters->'eventTypes' ? $1)
    AND (filters->'regions' = '[]'::jsonb OR $2 OR filters->'regions' ?| $3::text[])`);
// The Alertmanager subscriptions whose alerts a hold still keeps firing: its release must reach
// them whatever their filters say (an eventTypes filter without hold.released, a teams filter the
// release's facts do not carry), or those alerts would be re-posted for good.
const OPEN_HOLD_ALERTS = prepared(`SELECT s.id, s.channel, s.target, s.filters FROM hold_alert a JOIN subscription s ON s.id = a.subscription_id
  WHERE a.hold_id = $1 AND a.active AND s.enabled AND s.deleted_at IS NULL`);
// The subscriptions told of the hold ($1): a delivery of its placement, an override or a window.held of it is recorded,
// whatever became of it. The release must reach them whatever its own windows and teams say: the planner lists only the
// windows it lets go of then, not one cancelled or moved out during the hold, through which they may have heard of it.
// Those whose event types take no hold.released are left out, as LIVE_SUBSCRIPTIONS would; deleted ones too.
const TOLD_OF_HOLD = prepared(`SELECT s.id, s.channel, s.target, s.filters, s.enabled, s.disabled_reason AS "disabledReason" FROM subscription s
  WHERE s.deleted_at IS NULL AND (s.enabled OR s.turned_off_at IS NOT NULL)
    AND (s.filters->'eventTypes' = '[]'::jsonb OR s.filters->'eventTypes' ? 'hold.released')
    AND (EXISTS (SELECT 1 FROM delivery d WHERE d.subscription_id = s.id AND d.ordering_key = 'hold:' || $1 AND d.event_type IN ('hold.placed', 'hold.overridden'))
      OR EXISTS (SELECT 1 FROM delivery d WHERE d.subscription_id = s.id AND d.event_type = 'window.held' AND d.event->'data'->>'holdId' = $1))`);

/**
 * One delivery per subscription ($1-$4 and $12 in step: pending, or dead with its reason for one turned off), and the
 * worker's wake-up when a pending one was new; nothing reads its answer, so it travels with the COMMIT.
 */
const RECORD = answeredAtCommit(`WITH recorded AS (
    INSERT INTO delivery (id, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, lease_until, recorded_at, delivered_at, last_error, finished_at)
    SELECT owed.id, owed.subscription_id, owed.channel, owed.target_key, $5::uuid, $6::text, $7::timestamptz, $8::text, $9::text, $10::jsonb,
           CASE WHEN owed.dead IS NULL THEN 'pending' ELSE 'dead' END, 0, $11::timestamptz, NULL, $11::timestamptz, NULL, owed.dead,
           CASE WHEN owed.dead IS NULL THEN NULL ELSE $11::timestamptz END
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $12::text[]) AS owed(id, subscription_id, channel, target_key, dead)
    ON CONFLICT DO NOTHING
    RETURNING status)
  SELECT pg_notify('${DELIVERIES_DUE_CHANNEL}', '') FROM (SELECT 1 FROM recorded WHERE status = 'pending' LIMIT 1) AS any_recorded`);

// For each pending delivery of $1, the first of its subscription and key still to finish before it, which it waits for, and
// when that one is tried next: its lease end while a notifier is sending it, its next attempt while pending.
const EARLIER_OPEN = prepared(`SELECT p.id AS waiting_id, e.id, e.status, CASE WHEN e.status = 'sending' THEN e.lease_until ELSE e.next_attempt_at END AS next_try_at
  FROM delivery p CROSS JOIN LATERAL (
    SELECT e.id, e.status, e.lease_until, e.next_attempt_at FROM delivery e
    WHERE e.subscription_id = p.subscription_id AND e.ordering_key = p.ordering_key AND e.seq < p.seq AND e.status IN ('pending', 'sending')
    ORDER BY e.seq LIMIT 1) e
  WHERE p.id = ANY($1::uuid[]) AND p.status = 'pending'`);

/** Why a delivery of a subscription turned off is recorded dead, unsent: it waits for the subscription to be on again. */
export const turnedOffReason = (subscription: { id: string; disabledReason?: string | null }): string =>
  `not sent: subscription ${subscription.id} is turned off${subscription.disabledReason ? ` (${subscription.disabledReason})` : ''}; it is sent once the subscription is turned on (PATCH {"enabled": true})`;

/** Why a delivery of a deleted subscription is cancelled, unsent: said in place of any failure before it, which its attempts keep. */
export const deletedReason = (subscriptionId: string): string => `not sent: subscription ${subscriptionId} was deleted`;

/** Why the deliveries waiting when a 410 Gone turned their subscription off are marked dead, unsent. */
export const UNSENT_AT_GONE = 'not sent: the subscription was turned off when its receiver answered 410 Gone';

/**
 * Deliveries left unsent, or recorded, while their subscription was off (their reason, UNSENT_AT_GONE or turnedOffReason,
 * says so): sent once it is on again, cancelled if it is deleted.
 */
export const UNSENT_WHILE_OFF = "status = 'dead' AND last_error LIKE 'not sent: %turned off%'";

/**
 * A delivery that goes out when its subscription is turned on again: one that waited for it, or one its receiver refused
 * with 410 Gone (the answer that turned it off: "takes no more", until it was turned on).
 */
const SENT_WHEN_TURNED_ON = `(${UNSENT_WHILE_OFF}
      OR (status = 'dead' AND EXISTS (SELECT 1 FROM delivery_attempt a WHERE a.delivery_id = delivery.id AND a.status_code = 410)))`;

/** Turned on again: what SENT_WHEN_TURNED_ON picks goes out now ($2), in its order ahead of anything newer, the worker woken on commit. */
export const RESUME_UNSENT = `WITH resumed AS (
    UPDATE delivery SET status = 'pending', next_attempt_at = $2, lease_until = NULL, last_error = NULL, finished_at = NULL
    WHERE subscription_id = $1 AND ${SENT_WHEN_TURNED_ON} RETURNING 1)
  SELECT pg_notify('${DELIVERIES_DUE_CHANNEL}', '') FROM (SELECT 1 FROM resumed LIMIT 1) AS any_resumed`;

/** Whether turning its subscription on sends the delivery ($1): a replay of it would send it twice. */
const SENT_WHEN_ON = `SELECT EXISTS (SELECT 1 FROM delivery WHERE id = $1 AND ${SENT_WHEN_TURNED_ON}) AS sent_when_on`;

export interface DeliveryQuery {
  status?: DeliveryStatus;
  subscriptionId?: string;
  correlationId?: string;
  eventId?: string;
  limit: number;
  /** The nextCursor of the previous page. */
  cursor?: string;
}

@Injectable()
export class DeliveriesService {
  // What isWanted found for an event, read at consume time, for its recording.
  private readonly wanting = new WeakMap<AnyHoldfastEvent, { facts: ReturnType<typeof factsOf>; matching: RecordingSubscription[] }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly channels: ChannelRegistry,
    private readonly releases: HoldReleases,
    private readonly holdsInForce: HoldsInForce,
    private readonly statistics: DeliveryStatistics,
    private readonly openCircuits: OpenCircuits,
  ) {}

  /**
   * Before the consumer's transaction: whether a live subscription wants the event. Most events
   * interest no one, and those then cost one read instead of a transaction with its ledger row
   * and commit; the subscriptions read here are the ones recordFor records for. A hold's placement
   * and release are always recorded: an Alertmanager subscribed later is posted the holds in force
   * (HoldsInForce), and a placement sent after its release must not fire its alerts, nor reach a
   * subscription that takes no release (see HoldReleaseEntity).
   */
  async isWanted(event: AnyHoldfastEvent): Promise<boolean> {
    const facts = factsOf(event);
    const matching = await this.matching(event, facts, this.dataSource);
    this.wanting.set(event, { facts, matching });
    return matching.length > 0 || event.type === 'hold.placed' || event.type === 'hold.released';
  }

  /**
   * The subscriptions an event is recorded for: those its facts pass the filters of, and for a hold.released also those
   * told of the hold (TOLD_OF_HOLD) and those whose alerts it keeps firing (OPEN_HOLD_ALERTS), whatever their filters say.
   */
  private async matching(event: AnyHoldfastEvent, facts: ReturnType<typeof factsOf>, reader: Pick<EntityManager, 'query'>): Promise<RecordingSubscription[]> {
    const release = event.type === 'hold.released' ? event.data.holdId : undefined;
    const [live, told, holdingAlerts] = await Promise.all([
      reader.query(LIVE_SUBSCRIPTIONS, [facts.type, facts.regions === 'global', facts.regions === 'global' ? [] : facts.regions]) as Promise<RecordingSubscription[]>,
      release ? (reader.query(TOLD_OF_HOLD, [release]) as Promise<RecordingSubscription[]>) : [],
      release ? (reader.query(OPEN_HOLD_ALERTS, [release]) as Promise<RecordingSubscription[]>) : [],
    ]);
    const accepts = (subscription: RecordingSubscription) => this.channels.get(subscription.channel).accepts(event.type);
    const recorded = new Map<string, RecordingSubscription>();
    for (const subscription of [...live.filter((candidate) => matchesFilters(candidate.filters, facts)), ...told]) {
      if (!recorded.has(subscription.id) && accepts(subscription)) recorded.set(subscription.id, subscription);
    }
    for (const subscription of holdingAlerts) if (!recorded.has(subscription.id)) recorded.set(subscription.id, subscription);
    return [...recorded.values()];
  }

  /**
   * In the consumer's transaction: one delivery per matching subscription whose channel has
   * something to say about the event. Nothing is sent here; the worker is woken on commit.
   */
  async recordFor(event: AnyHoldfastEvent, transaction: EntityManager): Promise<void> {
    const wanted = this.wanting.get(event);
    const facts = wanted?.facts ?? factsOf(event);
    const matching = wanted?.matching ?? (await this.matching(event, facts, transaction));
    // Every placement and release, wanted by a subscription or not: the Alertmanager channel, its refresher and the worker read them
    // (HoldReleaseEntity, HoldsInForce say why).
    if (event.type === 'hold.placed') await this.holdsInForce.placed(transaction, event, facts);
    if (event.type === 'hold.released') {
      await this.releases.remember(transaction, event.data.holdId, new Date(event.data.releasedAt), event.data.windowIds);
      await this.holdsInForce.released(transaction, event.data.holdId);
    }
    if (matching.length === 0) return;
    const delivered: DeliveredEvent = { ...event };
    await this.insert(transaction, matching, delivered, facts.orderingKey);
  }

  /** A test message to one subscription, through the same worker, retries and attempt log as events. */
  async recordTest(subscription: SubscriptionEntity): Promise<DeliveryEntity> {
    const now = this.clock.now().toISOString();
    const id = uuidv7();
    const event: DeliveredEvent = {
      specversion: '1.0',
      id,
      type: TEST_EVENT_TYPE,
      source: 'holdfast/notifier',
      time: now,
      datacontenttype: 'application/json',
      correlationid: id,
      data: { subscriptionId: subscription.id, message: 'Test message from Holdfast: this subscription works.' },
    };
    await this.dataSource.transaction((transaction) => this.insert(transaction, [subscription], event, `test:${id}`));
    return this.dataSource.getRepository(DeliveryEntity).findOneByOrFail({ eventId: id, subscriptionId: subscription.id });
  }

  /**
   * Newest recorded first, a page at a time. seq is unique and in recording order, so it alone
   * places a delivery: the cursor's instant (recorded_at) only keeps the shape every cursor has.
   */
  async list(query: DeliveryQuery, reader: Principal): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    const where: FindOptionsWhere<DeliveryEntity> = {};
    if (query.status) where.status = query.status;
    if (query.subscriptionId) where.subscriptionId = query.subscriptionId;
    if (query.correlationId) where.correlationId = query.correlationId;
    if (query.eventId) where.eventId = query.eventId;
    if (query.cursor) where.seq = LessThan(decodeCursor(query.cursor, 'serial').id);
    const deliveries = await this.dataSource.getRepository(DeliveryEntity).find({ where, order: { seq: 'DESC' }, take: query.limit + 1 });
    const page = pageOf(deliveries, query.limit, (delivery) => ({ at: delivery.recordedAt, id: delivery.seq }), (delivery) => delivery);
    return { items: await this.withAttempts(page.items, reader), nextCursor: page.nextCursor };
  }

  async get(id: string, reader: Principal): Promise<DeliveryView & { event: DeliveredEvent }> {
    const delivery = await this.dataSource.getRepository(DeliveryEntity).findOneBy({ id });
    if (!delivery) throw new DeliveryNotFound(id);
    const [view] = await this.withAttempts([delivery], reader);
    return { ...view, event: delivery.event };
  }

  /**
   * Sends one dead (or delivered) delivery again, with a fresh attempt budget and the same webhook-id; a delivered
   * placement its hold's release has overtaken is refused (DeliverySuperseded), and so is a window.released whose
   * window.held was never sent to the subscription (DeliveryReleaseOfUnsentPlacement).
   */
  async replay(id: string, principal: Principal): Promise<DeliveryView> {
    const delivery = await this.dataSource.getRepository(DeliveryEntity).findOneBy({ id });
    if (!delivery) throw new DeliveryNotFound(id);
    const subscription = await this.dataSource.getRepository(SubscriptionEntity).findOneBy({ id: delivery.subscriptionId });
    if (subscription) assertActsFor(principal, subscription.ownerTeam, `Delivery ${id}`);
    // requeue() sends nothing to a deleted subscription: said here, or the 202 would promise a send that never comes.
    if (subscription?.deletedAt) throw new DeliverySubscriptionDeleted(id, subscription.id, subscription.deletedAt);
    if (subscription && !subscription.enabled) {
      const [{ sent_when_on }] = (await this.dataSource.query(SENT_WHEN_ON, [id])) as [{ sent_when_on: boolean }];
      throw new DeliverySubscriptionDisabled(id, subscription.id, subscription.disabledReason, sent_when_on);
    }
    if (delivery.status !== 'dead' && delivery.status !== 'delivered') throw new DeliveryNotReplayable(id, delivery.status);
    // Queued, the worker would cancel it unsent and its history would no longer say it was delivered: refused, left as it is.
    // A dead one is taken, and cancelled so: it never went out.
    const release = delivery.status === 'delivered' && subscription ? await this.supersedingIfResent(this.dataSource, delivery, subscription) : undefined;
    if (release) throw new DeliverySuperseded(delivery, release);
    // Queued, the worker would cancel it unsent: refused, with what to do instead, rather than answered 202 and then cancelled.
    const unsentPlacement = await this.unsentPlacementIfResent(this.dataSource, delivery);
    if (unsentPlacement) throw new DeliveryReleaseOfUnsentPlacement(delivery, unsentPlacement);
    await this.requeue({ ids: [id], status: delivery.status });
    return (await this.withAttempts([await this.dataSource.getRepository(DeliveryEntity).findOneByOrFail({ id })], principal))[0];
  }

  /**
   * Replays every delivery in `status` (dead by default) of the given ids and/or subscription, of subscriptions turned on,
   * only the key's team's for a team key; delivered placements their hold's release has overtaken are left as they are, and
   * so are window.released whose window.held was never sent, unless the same replay sends that window.held.
   * A subscription named that does not exist, or was deleted, is not found, as GET /v1/subscriptions/{id} says; one or
   * deliveries named of another team are refused (other-team), as their replay by id is. Ids naming no delivery are skipped.
   */
  async replayMany(request: ReplayRequest, principal: Principal): Promise<DeliveriesReplayed> {
    const ownerTeam = teamActedFor(principal);
    if (request.subscriptionId) await this.assertReplayableSubscription(principal, request.subscriptionId);
    if (ownerTeam && request.ids) await this.assertActsForDeliveries(ownerTeam, request.ids);
    return { replayed: await this.requeue(request, ownerTeam) };
  }

  /**
   * Refused rather than left out: a subscription unknown, deleted or of another team was answered 202 {"replayed": 0},
   * as if none of its deliveries were dead. requeue() still keeps to subscriptions not deleted and to the key's team's,
   * so one deleted or handed to another team between the two is left out, never replayed.
   */
  private async assertReplayableSubscription(principal: Principal, subscriptionId: string): Promise<void> {
    const subscription = await this.dataSource.getRepository(SubscriptionEntity).findOne({ where: { id: subscriptionId, deletedAt: IsNull() }, select: { id: true, ownerTeam: true } });
    if (!subscription) throw new SubscriptionNotFound(subscriptionId);
    assertActsFor(principal, subscription.ownerTeam, `Subscription ${subscriptionId}`);
  }

  /** Another team's deliveries among the ids refuse the whole replay, as with a subscription; see assertReplayableSubscription. */
  private async assertActsForDeliveries(ownerTeam: string, ids: string[]): Promise<void> {
    const others = (await this.dataSource.query(
      `SELECT d.id, s.owner_team AS "ownerTeam" FROM delivery d JOIN subscription s ON s.id = d.subscription_id
       WHERE d.id = ANY($1::uuid[]) AND s.owner_team <> $2 ORDER BY d.seq`,
      [ids, ownerTeam],
    )) as { id: string; ownerTeam: string }[];
    if (others.length > 0) throw new DeliveriesOfOtherTeams(others, ownerTeam);
  }

  private async requeue({ ids, subscriptionId, status }: ReplayRequest, ownerTeam?: string): Promise<number> {
    return this.dataSource.transaction(async (transaction) => {
      // Nothing of a subscription deleted or turned off: the worker would settle it unsent at once, a delivered one as dead.
      const owners = ['s.enabled', 's.deleted_at IS NULL'];
      const ownerParameters: unknown[] = [];
      if (ids) owners.push(`s.id IN (SELECT subscription_id FROM delivery WHERE id = ANY($${ownerParameters.push(ids)}::uuid[]))`);
      if (subscriptionId) owners.push(`s.id = $${ownerParameters.push(subscriptionId)}`);
      if (ownerTeam) owners.push(`s.owner_team = $${ownerParameters.push(ownerTeam)}`);
      // Shared locks: a target changed meanwhile (PATCH) waits, so the keys read here stay the subscriptions' own.
      const subscriptions = (await transaction.query(`SELECT s.id, s.channel, s.target, s.filters FROM subscription s WHERE ${owners.join(' AND ')} FOR SHARE`, ownerParameters)) as Pick<
        SubscriptionEntity,
        'id' | 'channel' | 'target' | 'filters'
      >[];
      if (subscriptions.length === 0) return 0;
      // Sent again where its subscription points now, under that target's circuit: the target may have changed since it was recorded.
      const requeue = async (leftOut: string[], only?: string[]): Promise<number> => {
        const parameters: unknown[] = [status, this.clock.now(), subscriptions.map(({ id }) => id), subscriptions.map(subscriptionTargetKey)];
        const conditions = ['d.status = $1'];
        if (ids) conditions.push(`d.id = ANY($${parameters.push(ids)}::uuid[])`);
        if (only) conditions.push(`d.id = ANY($${parameters.push(only)}::uuid[])`);
        if (leftOut.length > 0) conditions.push(`d.id <> ALL($${parameters.push(leftOut)}::uuid[])`);
        const [, count] = (await transaction.query(
          `UPDATE delivery d SET status = 'pending', attempts = 0, next_attempt_at = $2, lease_until = NULL, delivered_at = NULL, finished_at = NULL, target_key = owner.target_key
           FROM unnest($3::uuid[], $4::text[]) AS owner(subscription_id, target_key)
           WHERE d.subscription_id = owner.subscription_id AND ${conditions.join(' AND ')}`,
          parameters,
        )) as [unknown, number];
        return count;
      };
      const superseded = status === 'delivered' ? await this.supersededPlacements(transaction, subscriptions, ids) : [];
      const releases = await this.releasesOfUnsentPlacements(transaction, subscriptions, status, ids);
      let count = await requeue([...superseded, ...releases.map(({ id }) => id)]);
      // A release whose window.held this replay queued again (both dead) is owed now: it follows that window.held, in its key's order.
      const followed = [];
      for (const release of releases) if (!(await this.unsentPlacementIfResent(transaction, release))) followed.push(release.id);
      if (followed.length > 0) count += await requeue([], followed);
      if (count > 0) await transaction.query('SELECT pg_notify($1, $2)', [DELIVERIES_DUE_CHANNEL, '']);
      return count;
    });
  }

  /**
   * Of the subscriptions' delivered placements (of `ids`, when given), those a replay would not send because their hold's
   * release has overtaken them (supersedingIfResent): left out of a bulk replay, so they still read delivered.
   */
  private async supersededPlacements(transaction: EntityManager, subscriptions: Pick<SubscriptionEntity, 'id' | 'channel' | 'filters'>[], ids?: string[]): Promise<string[]> {
    const parameters: unknown[] = [subscriptions.map(({ id }) => id)];
    const placements = (await transaction.query(
      `SELECT id, seq, subscription_id AS "subscriptionId", channel, ordering_key AS "orderingKey", event_type AS "eventType", event FROM delivery
       WHERE subscription_id = ANY($1::uuid[]) AND status = 'delivered' AND event_type IN ('hold.placed', 'window.held')${ids ? ` AND id = ANY($${parameters.push(ids)}::uuid[])` : ''}`,
      parameters,
    )) as Pick<DeliveryEntity, 'id' | 'seq' | 'subscriptionId' | 'channel' | 'orderingKey' | 'eventType' | 'event'>[];
    const superseded: string[] = [];
    for (const placement of placements) {
      const subscription = subscriptions.find(({ id }) => id === placement.subscriptionId)!;
      if (await this.supersedingIfResent(transaction, placement, subscription)) superseded.push(placement.id);
    }
    return superseded;
  }

  /**
   * The release that makes a delivered placement not to be sent again (DeliveryWorker.supersededByRelease would cancel it, or
   * its release went dead after it, which is what to replay instead): only on channels that would show the hold in force again.
   */
  private supersedingIfResent(
    reader: Pick<EntityManager, 'query'>,
    delivery: Pick<DeliveryEntity, 'channel' | 'subscriptionId' | 'orderingKey' | 'eventType' | 'event' | 'seq'>,
    subscription: Pick<SubscriptionEntity, 'filters'>,
  ): Promise<SupersedingRelease | undefined> {
    if (this.channels.get(delivery.channel).endsPlacementsAfterRelease) return Promise.resolve(undefined);
    return supersedingRelease(reader, delivery, subscription.filters, true);
  }

  /**
   * Of the subscriptions' window.released in `status` (of `ids`, when given), those a replay would not send because the
   * window.held they end was never sent (unsentPlacementIfResent): left out of a bulk replay, unless it replays that window.held too.
   */
  private async releasesOfUnsentPlacements(
    transaction: EntityManager,
    subscriptions: Pick<SubscriptionEntity, 'id'>[],
    status: DeliveryStatus,
    ids?: string[],
  ): Promise<Pick<DeliveryEntity, 'id' | 'seq' | 'subscriptionId' | 'channel' | 'orderingKey' | 'eventType' | 'event'>[]> {
    const parameters: unknown[] = [subscriptions.map(({ id }) => id), status];
    const releases = (await transaction.query(
      `SELECT id, seq, subscription_id AS "subscriptionId", channel, ordering_key AS "orderingKey", event_type AS "eventType", event FROM delivery
       WHERE subscription_id = ANY($1::uuid[]) AND status = $2 AND event_type = 'window.released'${ids ? ` AND id = ANY($${parameters.push(ids)}::uuid[])` : ''}`,
      parameters,
    )) as Pick<DeliveryEntity, 'id' | 'seq' | 'subscriptionId' | 'channel' | 'orderingKey' | 'eventType' | 'event'>[];
    const unsent = [];
    for (const release of releases) if (await this.unsentPlacementIfResent(transaction, release)) unsent.push(release);
    return unsent;
  }

  /**
   * The window.held never sent that makes a window.released not to be sent again (DeliveryWorker.releaseOfUnsentPlacement
   * would cancel it): only on channels that would show the hold in force again, as there.
   */
  private unsentPlacementIfResent(
    reader: Pick<EntityManager, 'query'>,
    delivery: Pick<DeliveryEntity, 'channel' | 'subscriptionId' | 'orderingKey' | 'eventType' | 'event' | 'seq'>,
  ): Promise<UnsentPlacement | undefined> {
    if (this.channels.get(delivery.channel).endsPlacementsAfterRelease) return Promise.resolve(undefined);
    return releaseOfUnsentPlacement(reader, delivery);
  }

  private async insert(transaction: EntityManager, subscriptions: RecordingSubscription[], event: DeliveredEvent, orderingKey: string): Promise<void> {
    await transaction.query(RECORD, [
      subscriptions.map(() => uuidv7()),
      subscriptions.map(({ id }) => id),
      subscriptions.map(({ channel }) => channel),
      subscriptions.map(subscriptionTargetKey),
      event.id,
      event.type,
      new Date(event.time),
      event.correlationid,
      orderingKey,
      JSON.stringify(event),
      this.clock.now(),
      subscriptions.map((subscription) => (subscription.enabled === false ? turnedOffReason(subscription) : null)),
    ]);
    this.statistics.recorded(subscriptions.length);
  }

  /** The deliveries with their attempts, as `reader` may see them: a receiver's body only for its subscription's team and admin keys. */
  private async withAttempts(deliveries: DeliveryEntity[], reader: Principal): Promise<DeliveryView[]> {
    const subscriptionIds = [...new Set(deliveries.map((delivery) => delivery.subscriptionId))];
    const pending = deliveries.filter((delivery) => delivery.status === 'pending');
    const waitingTargets = [...new Set(pending.map((delivery) => delivery.targetKey))];
    const [attempts, readable, circuits, earlier] = await Promise.all([
      deliveries.length
        ? this.dataSource.getRepository(DeliveryAttemptEntity).find({ where: { deliveryId: In(deliveries.map((delivery) => delivery.id)) }, order: { number: 'ASC' } })
        : [],
      this.bodiesReadableBy(reader, subscriptionIds),
      this.openCircuits.of(waitingTargets, this.clock.now()),
      this.earlierOpen(pending.map((delivery) => delivery.id)),
    ]);
    const shown = (subscriptionId: string, error: string | null) => (error === null || readable.has(subscriptionId) ? error : withoutReceiverBody(error));
    return deliveries.map(({ event: _event, ...delivery }) =>
      deliveryView(
        { ...delivery, lastError: shown(delivery.subscriptionId, delivery.lastError) },
        attempts.filter((attempt) => attempt.deliveryId === delivery.id).map((attempt) => ({ ...attempt, error: shown(delivery.subscriptionId, attempt.error) })),
        circuits.get(delivery.targetKey),
        earlier.get(delivery.id),
      ),
    );
  }

  /** Per pending delivery, the earlier one of its key it waits for (EARLIER_OPEN), if any. */
  private async earlierOpen(pendingIds: string[]): Promise<Map<string, EarlierOpenDelivery>> {
    if (pendingIds.length === 0) return new Map();
    const rows = (await this.dataSource.query(EARLIER_OPEN, [pendingIds])) as { waiting_id: string; id: string; status: EarlierOpenDelivery['status']; next_try_at: Date }[];
    return new Map(rows.map((row) => [row.waiting_id, { id: row.id, status: row.status, nextTryAt: row.next_try_at }]));
  }

  /** Which of the subscriptions' receiver bodies `reader` may read: every one for an admin key, its own team's for a team key. */
  private async bodiesReadableBy(reader: Principal, subscriptionIds: string[]): Promise<Set<string>> {
    if (reader.scopes.includes('admin')) return new Set(subscriptionIds);
    if (!reader.team || subscriptionIds.length === 0) return new Set();
    const own = (await this.dataSource.query('SELECT id FROM subscription WHERE id = ANY($1::uuid[]) AND owner_team = $2', [subscriptionIds, reader.team])) as { id: string }[];
    return new Set(own.map(({ id }) => id));
  }
}
