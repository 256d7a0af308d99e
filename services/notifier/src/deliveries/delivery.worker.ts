import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { KeptListener, prepared } from '@holdfast/database';
import { isInfrastructureFailure, retried } from '@holdfast/messaging';
import { RepeatedFailure } from '@holdfast/observability';
import { Clock, InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { DeliveryFailure } from '../channels/channel';
import { ChannelRegistry } from '../channels/channel.registry';
import type { NotifierSettings } from '../config/notifier-settings';
import { OpenCircuits } from '../outbound/open-circuits';
import { OutboundError } from '../outbound/outbound-http.client';
import { isOpenCircuit, TargetCircuits } from '../outbound/target-circuits';
import { subscriptionTargetKey } from '../outbound/target-key';
import { SubscriptionEntity } from '../subscriptions/subscription.entity';
import { SubscriptionsService, type PreviousSecret } from '../subscriptions/subscriptions.service';
import { DELIVERIES_DUE_CHANNEL, deletedReason, turnedOffReason } from './deliveries.service';
import type { AttemptOutcome } from './delivery-attempt.entity';
import { DeliveryMetrics } from './delivery-metrics';
import { DeliveryEntity } from './delivery.entity';
import { ReplicaClaims } from './replica-claims';
import { SubscriptionCache } from './subscription-cache';
import { releaseOfUnsentPlacement, supersededReason, supersedingRelease, unsentPlacementReason } from './superseding-release';
import { retryAfterMs, retryDelayMs } from './retry-schedule';

interface AttemptResult {
  statusCode: number | null;
  error: string | null;
  /** Final: the receiver refused for good, or our own guard refused the address. */
  retryable: boolean;
  retryAfter?: string;
}

const SUBSCRIPTION_CACHE_MS = 1_000;

const isStopped = (subscription: SubscriptionEntity): boolean => subscription.deletedAt !== null || !subscription.enabled;
const RECORDING_BACKOFF = { startingDelayMs: 100, maxDelayMs: 1_000 };
// Of the subscriptions noted as sending, those still sending (and where to).
// Dead deliveries someone must act on: not those of a deleted subscription (never sent again), nor of one turned off by
// hand (no disabledReason), whose events are recorded dead while it is off, on purpose, for a replay once it is on.
const DEAD_COUNT = prepared(`SELECT count(*)::int AS count FROM delivery d JOIN subscription s ON s.id = d.subscription_id
  WHERE d.status = 'dead' AND s.deleted_at IS NULL AND (s.enabled OR s.disabled_reason IS NOT NULL)`);
const SENDING_SUBSCRIPTIONS = prepared('SELECT id, channel, target FROM subscription WHERE id = ANY($1::uuid[]) AND enabled AND deleted_at IS NULL');
// Of the given targets, those some delivery still waits for: one being sent, or one pending that will be. A pending delivery
// of a subscription deleted or turned off (a send under way then, which failed) is never sent, only settled when due.
const TARGETS_WAITED_FOR = prepared(`SELECT t.target_key FROM unnest($1::text[]) AS t(target_key)
  WHERE EXISTS (SELECT 1 FROM delivery d JOIN subscription s ON s.id = d.subscription_id
    WHERE d.target_key = t.target_key AND (d.status = 'sending' OR (d.status = 'pending' AND s.enabled AND s.deleted_at IS NULL)))`);

interface CachedSubscription {
  subscription: SubscriptionEntity;
  secret: string | null;
  previousSecrets: PreviousSecret[];
  targetUrl: string;
}

/** Why a delivery is settled without being sent, and as what. */
interface Unsent {
  status: 'dead' | 'cancelled';
  reason: string;
}

// Read after the claim is committed: a copy with the number read here has the secrets, and is on or off, as the subscription is now.
const SENDING_VERSIONS = prepared('SELECT id, sending_version FROM subscription WHERE id = ANY($1::uuid[])');

interface DeliveryRow {
  id: string;
  seq: string;
  subscription_id: string;
  channel: DeliveryEntity['channel'];
  target_key: string;
  event_id: string;
  event_type: string;
  event_time: Date;
  correlation_id: string;
  ordering_key: string;
  event: DeliveryEntity['event'];
  status: DeliveryEntity['status'];
  attempts: number;
  next_attempt_at: Date;
  lease_until: Date | null;
  claimed_at: Date | null;
  claimed_by: string | null;
  recorded_at: Date;
  delivered_at: Date | null;
  finished_at: Date | null;
  last_error: string | null;
}

const deliveryOf = (row: DeliveryRow): DeliveryEntity =>
  Object.assign(new DeliveryEntity(), {
    id: row.id,
    seq: row.seq,
    subscriptionId: row.subscription_id,
    channel: row.channel,
    targetKey: row.target_key,
    eventId: row.event_id,
    eventType: row.event_type,
    eventTime: row.event_time,
    correlationId: row.correlation_id,
    orderingKey: row.ordering_key,
    event: row.event,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    claimedAt: row.claimed_at,
    claimedBy: row.claimed_by,
    recordedAt: row.recorded_at,
    deliveredAt: row.delivered_at,
    finishedAt: row.finished_at,
    lastError: row.last_error,
  });

const DELIVERY_COLUMNS =
  'id, seq, subscription_id, channel, target_key, event_id, event_type, event_time, correlation_id, ordering_key, event, status, attempts, next_attempt_at, lease_until, claimed_at, claimed_by, recorded_at, delivered_at, finished_at, last_error';

const DUE = "((c.status = 'pending' AND c.next_attempt_at <= $1) OR (c.status = 'sending' AND c.lease_until <= $1))";

/**
 * The claim, one prepared statement: target by target (a loose index scan finds those with open
 * deliveries), each up to its room ($2/$3 for targets busy or with a circuit not closed, $4 for
 * the others), the earliest due deliveries whose key has nothing earlier open, locked with SKIP
 * LOCKED and leased, stamped with when and by whom ($8, the replica's name while it holds it). `backlog` is whether open deliveries other than those in hand ($7) and just
 * claimed remain (counted up to $5 + 1): only then can a finished one free room for another.
 * It answers one row even when nothing is claimed, for `backlog`. Both read the open deliveries
 * through delivery_open_by_target, whatever the statistics say of the rest of the table: the status
 * test spelt out lets the planner match that partial index, and the count's order keeps it there
 * (with weeks of delivered rows, the candidates were walked in seq order from the oldest delivery and
 * the count scanned the table, 0.8-1.5 s a claim at 11,000 open, 3.5-4.6 s at 270,000).
 *
 * A delivery claimed while `sending` was left so by a notifier that stopped before recording an answer
 * (killed, or cut off from PostgreSQL until its lease ran out): its request may have reached the receiver,
 * so that attempt is written, `interrupted`, from its claim ($9, this replica's lease, dates a claim made
 * before claims were dated) until now, and counted in `attempts`. Before, it left no trace.
 */
const CLAIM = prepared(`WITH RECURSIVE targets AS (
    (SELECT target_key FROM delivery WHERE status IN ('pending', 'sending') ORDER BY target_key LIMIT 1)
    UNION ALL
    SELECT (SELECT d.target_key FROM delivery d WHERE d.status IN ('pending', 'sending') AND d.target_key > t.target_key ORDER BY d.target_key LIMIT 1)
    FROM targets t WHERE t.target_key IS NOT NULL
  ), rooms AS (
    SELECT t.target_key, COALESCE(known.room, $4) AS room
    FROM targets t LEFT JOIN unnest($2::text[], $3::int[]) AS known(target_key, room) ON known.target_key = t.target_key
    WHERE t.target_key IS NOT NULL
  ), candidates AS (
    SELECT c.id FROM rooms
    CROSS JOIN LATERAL (
      SELECT c.id, c.seq FROM delivery c
      WHERE c.target_key = rooms.target_key AND c.status IN ('pending', 'sending') AND ${DUE}
        AND NOT EXISTS (
          SELECT 1 FROM delivery e
          WHERE e.subscription_id = c.subscription_id AND e.ordering_key = c.ordering_key AND e.seq < c.seq AND e.status IN ('pending', 'sending'))
      ORDER BY c.seq LIMIT GREATEST(rooms.room, 0)
    ) c
    ORDER BY c.seq LIMIT $5
  ), claimed AS (
    UPDATE delivery SET status = 'sending', lease_until = $6, claimed_at = $1, claimed_by = $8,
      attempts = attempts + CASE WHEN prior.prior_status = 'sending' THEN 1 ELSE 0 END
    FROM (SELECT c.id AS prior_id, c.status AS prior_status, c.claimed_at AS prior_claimed_at, c.claimed_by AS prior_claimed_by, c.lease_until AS prior_lease_until
          FROM delivery c WHERE c.id = ANY(ARRAY(SELECT id FROM candidates)) AND ${DUE} FOR UPDATE SKIP LOCKED) prior
    WHERE id = prior.prior_id
    RETURNING ${DELIVERY_COLUMNS}, prior_status, prior_claimed_at, prior_claimed_by, prior_lease_until
  ), interrupted AS (
    INSERT INTO delivery_attempt (id, delivery_id, number, started_at, duration_ms, status_code, error, outcome)
    SELECT gen_random_uuid(), i.id, (SELECT COALESCE(MAX(a.number), 0) + 1 FROM delivery_attempt a WHERE a.delivery_id = i.id), i.started_at,
      GREATEST(0, round(extract(epoch FROM $1::timestamptz - i.started_at) * 1000))::int, NULL,
      'interrupted: the notifier that claimed it' || COALESCE(' (' || i.prior_claimed_by || ')', '') || ' stopped before recording an answer (killed, or cut off from PostgreSQL), and it was claimed again: the receiver may have got it', 'interrupted'
    FROM (SELECT id, prior_claimed_by, COALESCE(prior_claimed_at, prior_lease_until - $9::int * interval '1 millisecond') AS started_at FROM claimed WHERE prior_status = 'sending') i
  ), open AS (
    SELECT count(*)::int AS open FROM (SELECT 1 FROM delivery WHERE status IN ('pending', 'sending') AND id <> ALL($7::uuid[]) ORDER BY target_key, seq LIMIT $5 + 1) o
  )
  SELECT claimed.*, open.open > (SELECT count(*) FROM claimed) AS backlog FROM open LEFT JOIN claimed ON true`);

/** What a receiver answers when it will never take another delivery. */
const HTTP_GONE = 410;

/**
 * Sends recorded deliveries, outside any consumer transaction. Each replica claims due deliveries
 * with FOR UPDATE SKIP LOCKED and a lease (a replica that dies mid-send leaves its claims to be
 * taken again when the lease ends, under the same webhook-id). A delivery waits while an earlier
 * one of the same subscription and key (window, hold, surge) is unfinished, so order holds per
 * window. Targets at their concurrency limit or with an open circuit are not claimed for, so one
 * slow or failing target never holds up the others.
 */
@Injectable()
export class DeliveryWorker implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly settings: NotifierSettings['delivery'];
  private readonly circuitResetMs: number;
  private readonly circuits: TargetCircuits;
  private readonly inFlight = new Map<string, number>();
  // Ids of the deliveries claimed and not yet finished.
  private readonly held = new Set<string>();
  // Of those, the ones claimed under the replica's name: this run vouches for them until they are finished (ReplicaClaims).
  private readonly stamped = new Set<string>();
  // A claim stamped with the name is under way: what it takes is vouched for before its ids are known (the name's session may end meanwhile).
  private claimingUnderName = false;
  private readonly running = new Set<Promise<void>>();
  private readonly subscriptionCache = new SubscriptionCache<CachedSubscription>(SUBSCRIPTION_CACHE_MS);
  // Per target whose circuit is open, when it half-opens: a delivery refused by the open circuit is due then, with the probe.
  private readonly nextTries = new Map<string, Date>();
  // Per target, the subscriptions (and their channels) sending to it since its circuit last closed: whom its circuit metric names.
  private readonly senders = new Map<string, Map<string, string>>();
  // Whether the last claim left open deliveries besides its own: a finish then claims again.
  private backlog = true;
  private pumping: Promise<void> | undefined;
  private pumpAgain = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Immediate | undefined;
  private readonly listener: KeptListener;
  private lastDeadCount = Number.NEGATIVE_INFINITY;
  private lastForget = Number.NEGATIVE_INFINITY;
  private stopHearingOfSubscriptions: (() => void) | undefined;
  // While PostgreSQL is away every poll fails the same way.
  private readonly claimFailures = new RepeatedFailure();
  private readonly replica: ReplicaClaims;
  // The name just taken, and what its run before left not yet taken back (a take-back that failed, or that waits for another
  // run of the name to stop vouching for its claims, is tried again at the next pump).
  private takeBackDue = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly channels: ChannelRegistry,
    private readonly subscriptions: SubscriptionsService,
    private readonly metrics: DeliveryMetrics,
    private readonly openCircuits: OpenCircuits,
    @InjectServiceConfig() config: ServiceConfig<NotifierSettings>,
  ) {
    this.settings = config.settings.delivery;
    const pool = (dataSource.driver as PostgresDriver).master as Pool;
    // A name that outlives the process: the one given, else this host and port (none for a port picked at random).
    const replicaName = config.settings.replicaId ?? (config.port > 0 ? `${hostname()}:${config.port}` : undefined);
    this.replica = new ReplicaClaims(
      replicaName,
      { ...pool.options, application_name: `${pool.options.application_name ?? 'notifier'}-replica-name` },
      this.settings.sweepMs,
      this.settings.pollMs,
      { query: (sql, parameters) => this.dataSource.query(sql, parameters), sendingUnderName: () => this.claimingUnderName || this.stamped.size > 0 },
    );
    this.circuitResetMs = config.settings.circuit.resetMs;
    this.circuits = new TargetCircuits(config.settings.circuit, isTargetFault, (target, state) => {
      const sending = this.sendersOf(target);
      this.metrics.circuitChanged(sending, state);
      // Told to readers of the target's deliveries (GET /v1/deliveries) while it is open, and while its probe is out (half-open).
      if (state === 'open') {
        const openedAt = this.clock.now();
        const nextTryAt = new Date(openedAt.getTime() + this.circuitResetMs);
        this.nextTries.set(target, nextTryAt);
        void this.openCircuits.opened(target, openedAt, nextTryAt);
      } else {
        this.nextTries.delete(target);
        void (state === 'half-open' ? this.openCircuits.probing(target, new Date(this.clock.nowMs() + this.settings.timeoutMs)) : this.openCircuits.notOpen([target]));
      }
      // Closed, it is forgotten: those who send to the target next are the ones its next opening concerns.
      if (state === 'closed') this.senders.delete(target);
      this.logger.log({ target, state, subscriptionIds: [...sending.keys()] }, `circuit for ${target} is ${state}`);
      if (state === 'half-open') this.wake();
    });
    this.listener = new KeptListener({
      connection: { ...pool.options, application_name: `${pool.options.application_name ?? 'notifier'}-delivery-worker` },
      channel: DELIVERIES_DUE_CHANNEL,
      onNotification: () => this.wake(),
      // Deliveries recorded while nobody listened are due now, not at the next poll.
      onListening: () => this.wake(),
      onLost: (error) => this.logger.warn({ err: error?.message }, 'delivery worker lost its LISTEN connection; polling until it is back'),
      onRetry: (error) => this.logger.warn({ err: error.message }, 'delivery worker cannot LISTEN yet; polling until it can'),
    });
  }

  /** Before anything consumes or sends: the replica's name, or a word that another session holds it (it runs without it meanwhile). */
  async onModuleInit(): Promise<void> {
    if (await this.replica.start(performance.now())) this.takeBackDue = true;
  }

  async onApplicationBootstrap(): Promise<void> {
    // A subscription this process changed: what was kept for its old target goes at the next pump, not the next sweep.
    this.stopHearingOfSubscriptions = this.subscriptions.onSendingChanged(() => {
      this.lastForget = Number.NEGATIVE_INFINITY;
      this.wake();
    });
    await this.listener.start();
    // The vouch is renewed on the timer, not in the pump: a long claim must not let it lapse.
    this.timer = setInterval(() => {
      void this.replica.vouch();
      this.wake();
    }, this.settings.pollMs);
    this.wake();
  }

  /** Stops claiming, lets the deliveries in hand finish (each within its timeout), then lets go. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.stopHearingOfSubscriptions?.();
    clearInterval(this.timer);
    clearImmediate(this.wakeTimer);
    await this.pumping;
    // A claim in progress when stopping began still dispatches what it took: wait for those too.
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.listener.close();
    // Nothing it claimed is being sent any more: the name can go to the next run.
    await this.replica.close();
    // The next process starts with every circuit closed.
    await this.openCircuits.notOpen(this.circuits.unclosed());
    this.circuits.shutdown();
  }

  /**
   * Looks for due deliveries (run by the poll timer, on NOTIFY and as deliveries finish while others wait). Wake-ups
   * of one turn of the event loop share one claim, and those while a claim runs one claim after it, so a busy worker
   * claims in batches, not one by one. Waiting a few milliseconds more for company cost every delivery those
   * milliseconds (bench:notify, 2026-12-05: delivered p50 13-14 ms with a 5 ms wait, 8 ms without).
   */
  wake(): void {
    if (this.stopping || this.wakeTimer) return;
    this.wakeTimer = setImmediate(() => {
      this.wakeTimer = undefined;
      void this.pump();
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = this.claimAndDispatch().finally(() => (this.pumping = undefined));
    await this.pumping;
    // Woken after its last claim, while the gauge or the sweep ran: claim again now, not at the next poll.
    if (this.pumpAgain) this.wake();
  }

  private async claimAndDispatch(): Promise<void> {
    try {
      if (await this.replica.take(performance.now())) this.takeBackDue = true;
      if (this.takeBackDue) await this.takeBack();
      do {
        this.pumpAgain = false;
        const free = this.settings.concurrency - this.held.size;
        if (this.stopping) break;
        if (free <= 0) {
          // Woken (a recording, the poll) with no room to claim: what woke it may wait, so the next finish claims again.
          this.backlog = true;
          break;
        }
        const claimed = await this.claim(free);
        const versions = await this.sendingVersions(claimed);
        for (const delivery of claimed) this.track(this.dispatch(delivery, versions.get(delivery.subscriptionId)));
        if (claimed.length === free) this.pumpAgain = true;
      } while (this.pumpAgain && !this.stopping);
      await this.refreshDeadGauge();
      await this.forgetUnused();
      this.claimFailures.succeeded((fields, message) => this.logger.log(fields, message), {}, 'claiming deliveries works again');
    } catch (error) {
      this.claimFailures.log(this.logger, 'warn', { err: (error as Error).message }, 'claiming deliveries failed; trying again on every poll');
    }
  }

  private capacityOf(target: string): number {
    const state = this.circuits.state(target);
    // Half-open lets exactly one probe through; open lets none until opossum half-opens it.
    const limit = state === 'open' ? 0 : state === 'half-open' ? 1 : this.settings.targetConcurrency;
    return limit - (this.inFlight.get(target) ?? 0);
  }

  private async claim(free: number): Promise<DeliveryEntity[]> {
    const now = this.clock.now();
    // Every target whose room is not the default: those with requests in flight or a circuit not closed.
    const limited = [...new Set([...this.inFlight.keys(), ...this.circuits.unclosed()])];
    const stamp = this.replica.stamp;
    this.claimingUnderName = stamp !== null;
    let rows: (DeliveryRow & { backlog: boolean; prior_status: DeliveryEntity['status'] | null })[];
    try {
      rows = await this.dataSource.query(CLAIM, [
        now,
        limited,
        limited.map((target) => Math.max(0, this.capacityOf(target))),
        this.settings.targetConcurrency,
        free,
        new Date(now.getTime() + this.settings.leaseMs),
        [...this.held],
        stamp,
        this.settings.leaseMs,
      ]);
    } finally {
      this.claimingUnderName = false;
    }
    this.backlog = rows[0].backlog;
    // Nothing claimed: the one row carries only backlog.
    const taken = rows.filter((row) => row.id !== null);
    for (const row of taken) if (row.prior_status === 'sending') this.metrics.attempts.inc({ channel: row.channel, result: 'interrupted' });
    const claimed = taken.map(deliveryOf).sort((a, b) => Number(a.seq) - Number(b.seq));
    for (const delivery of claimed) {
      this.inFlight.set(delivery.targetKey, (this.inFlight.get(delivery.targetKey) ?? 0) + 1);
      this.held.add(delivery.id);
      if (delivery.claimedBy !== null) this.stamped.add(delivery.id);
    }
    return claimed;
  }

  /**
   * Just given this replica's name (at start, or again after its session was lost): what a run before under the name left
   * being sent (kill -9) is no live process's once no run vouches for it, so it goes again then instead of at its lease end,
   * with its interrupted attempt. Tried at every pump until then.
   */
  private async takeBack(): Promise<void> {
    const ids = await this.replica.takeBack(this.clock.now(), [...this.held], this.settings.leaseMs);
    if (ids === undefined) return;
    this.takeBackDue = false;
    if (ids.length > 0) this.logger.warn({ replica: this.replica.name, deliveryIds: ids }, `took back ${ids.length} deliveries left being sent under this replica's name by its run before; each is sent again now, its interrupted attempt recorded`);
  }

  /**
   * The sending_version of each claimed delivery's subscription, read after the claim: a change of
   * secrets or target, turning off or deletion committed before this read is seen here, and one committed after it
   * finds these deliveries being sent and waits for them (SubscriptionsService). Unread
   * (PostgreSQL away), every delivery reads its subscription afresh.
   */
  private async sendingVersions(claimed: DeliveryEntity[]): Promise<Map<string, number>> {
    if (claimed.length === 0) return new Map();
    try {
      const rows = (await this.dataSource.query(SENDING_VERSIONS, [[...new Set(claimed.map((delivery) => delivery.subscriptionId))]])) as { id: string; sending_version: number }[];
      return new Map(rows.map((row) => [row.id, row.sending_version]));
    } catch {
      return new Map();
    }
  }

  private track(running: Promise<void>): void {
    this.running.add(running);
    void running.finally(() => this.running.delete(running));
  }

  private async dispatch(delivery: DeliveryEntity, sendingVersion: number | undefined): Promise<void> {
    const startedAt = this.clock.now();
    const started = performance.now();
    let result: AttemptResult | undefined;
    let unsent: Unsent | undefined;
    try {
      // A retry reads its subscription afresh: it may have been deleted or turned off while the attempt before ran.
      const { subscription, secret, previousSecrets, targetUrl } = await this.subscriptionFor(delivery.subscriptionId, sendingVersion, delivery.attempts > 0);
      const channel = this.channels.get(delivery.channel);
      if (isStopped(subscription)) unsent = unsentOf(subscription);
      else if (!channel.endsPlacementsAfterRelease) unsent = (await this.supersededByRelease(delivery, subscription)) ?? (await this.releaseOfUnsentPlacement(delivery));
      if (!unsent) {
        this.noteSender(delivery);
        const { statusCode } = await this.circuits.run(delivery.targetKey, () => channel.send({ delivery, subscription, secret, previousSecrets, targetUrl }));
        result = { statusCode, error: null, retryable: false };
      }
    } catch (error) {
      if (!isOpenCircuit(error)) result = describeFailure(error);
    } finally {
      // The target's share is about requests to it: free it as soon as the answer is in.
      this.releaseTarget(delivery.targetKey);
    }
    try {
      if (unsent) await this.settleUnsent(delivery, unsent);
      else if (result) await this.finish(delivery, result, startedAt, Math.round(performance.now() - started));
      else {
        await this.postpone(delivery, this.nextTries.get(delivery.targetKey) ?? new Date(this.clock.nowMs() + this.circuitResetMs));
        this.metrics.attempts.inc({ channel: delivery.channel, result: 'circuit-open' });
      }
    } catch (error) {
      // The lease runs out and the delivery is claimed again: a second send, never a lost one.
      this.logger.warn({ deliveryId: delivery.id, err: (error as Error).message }, 'could not record a delivery attempt; it will be sent again');
    } finally {
      this.held.delete(delivery.id);
      // The last claim it vouched for finished: a run that lost the name's session lets go of it now, not at the next poll.
      if (this.stamped.delete(delivery.id) && this.stamped.size === 0) void this.replica.vouch();
      // What it frees (room, its key's next delivery) matters only to open deliveries the last claim
      // left, or one still running (it may report some, having read before this finish).
      if (this.backlog || this.pumping) this.wake();
    }
  }

  private async stopGone(delivery: DeliveryEntity, at: Date): Promise<void> {
    const reason = `${delivery.targetKey} answered 410 Gone at ${at.toISOString()} (delivery ${delivery.id}): the receiver takes no more deliveries. PATCH {"enabled": true} once it does, which sends this delivery and what it missed since, in order.`;
    if (!(await this.subscriptions.stopGone(delivery.subscriptionId, reason))) return;
    this.subscriptionCache.delete(delivery.subscriptionId);
    this.logger.warn({ subscriptionId: delivery.subscriptionId, deliveryId: delivery.id }, 'the receiver answered 410 Gone: subscription turned off, its unsent deliveries marked dead until it is turned on');
  }

  /**
   * Read once a second at most per subscription (unless `again`): an edit reaches the worker within
   * that second. Its secrets, its target and whether it sends are never a second old: a copy whose
   * sending_version is not the one read after the claim is read again, so no delivery claimed after
   * a rotation is signed without the new secret, none claimed after a PATCH of the target goes to the
   * old one, and none claimed after the subscription was turned off or deleted is sent. A copy that
   * says it is stopped is read again all the same: nothing is settled unsent on a copy that may be
   * older than its turning on again (and a replay).
   */
  private async subscriptionFor(id: string, sendingVersion: number | undefined, again: boolean): Promise<CachedSubscription> {
    const cached = this.subscriptionCache.fresh(id, performance.now());
    if (!again && cached && cached.subscription.sendingVersion === sendingVersion && !isStopped(cached.subscription)) return cached;
    const subscription = await this.dataSource.getRepository(SubscriptionEntity).findOneByOrFail({ id });
    const fresh = { subscription, ...this.subscriptions.sendingDetails(subscription) };
    this.subscriptionCache.set(id, fresh, performance.now());
    return fresh;
  }

  private sendersOf(target: string): Map<string, string> {
    let sending = this.senders.get(target);
    if (!sending) this.senders.set(target, (sending = new Map()));
    return sending;
  }

  /** A subscription sending to a target whose circuit is already open or half-open is shown at once. */
  private noteSender(delivery: DeliveryEntity): void {
    const sending = this.sendersOf(delivery.targetKey);
    if (sending.has(delivery.subscriptionId)) return;
    sending.set(delivery.subscriptionId, delivery.channel);
    const state = this.circuits.state(delivery.targetKey);
    if (state !== 'closed') this.metrics.circuitChanged(new Map([[delivery.subscriptionId, delivery.channel]]), state);
  }

  private releaseTarget(target: string): void {
    const left = (this.inFlight.get(target) ?? 1) - 1;
    if (left > 0) this.inFlight.set(target, left);
    else this.inFlight.delete(target);
  }

  private async finish(delivery: DeliveryEntity, result: AttemptResult, startedAt: Date, durationMs: number): Promise<void> {
    const now = this.clock.now();
    const attempts = delivery.attempts + 1;
    const delivered = result.error === null;
    const outcome: AttemptOutcome = delivered ? 'delivered' : result.retryable && attempts < this.settings.maxAttempts ? 'retry' : 'dead';
    const nextAttemptAt =
      outcome === 'retry' ? new Date(now.getTime() + retryDelayMs(attempts, this.settings, retryAfterMs(result.retryAfter, now.getTime()))) : now;
    const status = outcome === 'retry' ? 'pending' : outcome;
    // Turned off before this delivery is finished: while it is still sending, it holds up the later
    // ones of its key, which once it is dead a claim could take and send to the receiver that is gone.
    if (outcome === 'dead' && result.statusCode === HTTP_GONE) await this.stopGone(delivery, now);
    // One statement: only the holder of the lease records the outcome and its attempt (a delivery
    // taken over after a lost lease belongs to the new holder).
    const [{ owned }] = (await this.whileLeased(delivery, () => this.dataSource.query(
      prepared(`WITH finished AS (
         UPDATE delivery SET status = $2, attempts = $3, next_attempt_at = $4, lease_until = NULL, delivered_at = $5, last_error = $6, finished_at = $12
         WHERE id = $1 AND status = 'sending' AND lease_until = $7
         RETURNING id),
       attempt AS (
         INSERT INTO delivery_attempt (id, delivery_id, number, started_at, duration_ms, status_code, error, outcome)
         SELECT gen_random_uuid(), finished.id, (SELECT COALESCE(MAX(number), 0) + 1 FROM delivery_attempt WHERE delivery_id = $1), $8, $9, $10, $6, $11
         FROM finished
         RETURNING 1)
       SELECT count(*)::int > 0 AS owned FROM attempt`),
      [delivery.id, status, attempts, nextAttemptAt, delivered ? now : null, result.error, delivery.leaseUntil, startedAt, durationMs, result.statusCode, outcome, outcome === 'retry' ? null : now],
    ))) as [{ owned: boolean }];
    if (!owned) return;
    this.metrics.attempts.inc({ channel: delivery.channel, result: outcome });
    if (outcome === 'delivered') {
      this.metrics.deliveries.inc({ channel: delivery.channel, outcome: 'delivered' });
      this.metrics.eventToDelivered.observe({ channel: delivery.channel }, Math.max(0, now.getTime() - delivery.eventTime.getTime()) / 1000);
    } else if (outcome === 'dead') {
      this.metrics.deliveries.inc({ channel: delivery.channel, outcome: 'dead' });
      this.logger.warn({ deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, eventId: delivery.eventId, error: result.error }, 'delivery is dead; POST /v1/deliveries/{id}/replay sends it again');
    }
  }

  /**
   * A hold's placement (hold.placed, window.held) its release supersedes (supersedingRelease): cancelled, saying which
   * release, rather than sent to a channel that would show the released hold in force again.
   */
  private async supersededByRelease(delivery: DeliveryEntity, subscription: SubscriptionEntity): Promise<Unsent | undefined> {
    const release = await supersedingRelease(this.dataSource, delivery, subscription.filters);
    return release && { status: 'cancelled', reason: supersededReason(delivery.eventType, release) };
  }

  /**
   * A window.released whose window.held was never sent to the subscription (releaseOfUnsentPlacement): cancelled, saying which,
   * rather than sent to a channel whose receiver would read the release of a hold it was never told held the window.
   */
  private async releaseOfUnsentPlacement(delivery: DeliveryEntity): Promise<Unsent | undefined> {
    const unsent = await releaseOfUnsentPlacement(this.dataSource, delivery);
    return unsent && { status: 'cancelled', reason: unsentPlacementReason(unsent) };
  }

  /** Settles a delivery claimed but not to be sent (unsentOf, supersededByRelease, releaseOfUnsentPlacement), as only the lease holder may. */
  private async settleUnsent(delivery: DeliveryEntity, { status, reason }: Unsent): Promise<void> {
    await this.whileLeased(delivery, () =>
      this.dataSource.query(
        prepared('UPDATE delivery SET status = $2, lease_until = NULL, last_error = $3, finished_at = $6 WHERE id = $1 AND status = $4 AND lease_until = $5'),
        [delivery.id, status, reason, 'sending', delivery.leaseUntil, this.clock.now()],
      ),
    );
    this.logger.log({ deliveryId: delivery.id, subscriptionId: delivery.subscriptionId, status }, reason);
  }

  private async postpone(delivery: DeliveryEntity, until: Date): Promise<void> {
    await this.whileLeased(delivery, () =>
      this.dataSource.query(
        prepared("UPDATE delivery SET status = 'pending', next_attempt_at = $2, lease_until = NULL WHERE id = $1 AND status = 'sending' AND lease_until = $3"),
        [delivery.id, until, delivery.leaseUntil],
      ),
    );
  }

  /**
   * Writes what became of a delivery, again and again while PostgreSQL is away (a restart, a
   * failover) and the lease is still this worker's: given up at once, the receiver got a second
   * copy when the lease ran out. Each write names the lease, so one landing late changes nothing.
   */
  private whileLeased<R>(delivery: DeliveryEntity, write: () => Promise<R>): Promise<R> {
    return retried(write, RECORDING_BACKOFF, (error) => isInfrastructureFailure(error) && !this.stopping && this.clock.nowMs() < delivery.leaseUntil!.getTime());
  }

  /**
   * Every `sweepMs` (NOTIFIER_WORKER_SWEEP_MS), and at the next pump after this process changed a
   * subscription (SubscriptionsService.onSendingChanged): a subscription deleted, turned off or
   * pointed at another target no longer sends to the one it was noted at, so its circuit series goes (or tells of its new target's
   * circuit), and a target nobody sends to and no delivery waits for loses its breaker. Before,
   * both stayed for the life of the process: a deleted subscription's series showed its circuit
   * open or half-open for good. Run in the pump, so no claim adds to a target while it is let go.
   * The subscription copies too old to be used go as well (SubscriptionCache).
   */
  private async forgetUnused(): Promise<void> {
    const now = performance.now();
    if (now - this.lastForget < this.settings.sweepMs) return;
    this.lastForget = now;
    this.subscriptionCache.sweep(now);
    const noted = [...new Set([...this.senders.values()].flatMap((sending) => [...sending.keys()]))];
    const sending = noted.length === 0 ? [] : ((await this.dataSource.query(SENDING_SUBSCRIPTIONS, [noted])) as Pick<SubscriptionEntity, 'id' | 'channel' | 'target'>[]);
    const sendsTo = new Map(sending.map((subscription) => [subscription.id, subscriptionTargetKey(subscription)]));
    for (const [target, senders] of this.senders) {
      for (const [subscriptionId, channel] of senders) {
        if (sendsTo.get(subscriptionId) === target) continue;
        senders.delete(subscriptionId);
        this.metrics.circuitForgotten(subscriptionId, channel);
        // Already noted at the target it sends to now: its series tells of that circuit instead.
        const current = sendsTo.get(subscriptionId);
        const state = current !== undefined && this.senders.get(current)?.has(subscriptionId) ? this.circuits.state(current) : 'closed';
        if (state !== 'closed') this.metrics.circuitChanged(new Map([[subscriptionId, channel]]), state);
      }
    }
    const unused = [...new Set([...this.circuits.targets(), ...this.senders.keys()])].filter((target) => !this.senders.get(target)?.size && !this.inFlight.has(target));
    if (unused.length === 0) return;
    const waitedFor = new Set(((await this.dataSource.query(TARGETS_WAITED_FOR, [unused])) as { target_key: string }[]).map((row) => row.target_key));
    const forgotten = unused.filter((target) => !waitedFor.has(target) && !this.inFlight.has(target));
    for (const target of forgotten) {
      this.circuits.forget(target);
      this.senders.delete(target);
      this.nextTries.delete(target);
    }
    // A breaker let go open: the target's next delivery is sent at once, not after the next try its row names.
    void this.openCircuits.notOpen(forgotten);
  }

  private async refreshDeadGauge(): Promise<void> {
    // A throttle, not a point in time: the monotonic clock, so a test's clock never stalls it.
    const now = performance.now();
    if (now - this.lastDeadCount < 5_000) return;
    this.lastDeadCount = now;
    const [{ count }] = (await this.dataSource.query(DEAD_COUNT)) as [{ count: number }];
    this.metrics.dead.set(count);
  }
}

/**
 * A delivery claimed after its subscription was deleted or turned off (it was being sent or retried
 * then, or was recorded from a list read just before) is not sent: cancelled with a deleted one, as
 * its other unsent deliveries were; dead with one turned off, so a replay sends it once it is on again.
 */
function unsentOf(subscription: SubscriptionEntity): Unsent {
  return subscription.deletedAt !== null
    ? { status: 'cancelled', reason: deletedReason(subscription.id) }
    : { status: 'dead', reason: turnedOffReason(subscription) };
}

/** Only what says the target is unwell opens its circuit: no answer, or 408/429/5xx. */
function isTargetFault(error: unknown): boolean {
  if (error instanceof DeliveryFailure) return error.retryable;
  if (error instanceof OutboundError) return error.kind === 'timeout' || error.kind === 'connection';
  return false;
}

function describeFailure(error: unknown): AttemptResult {
  if (error instanceof DeliveryFailure) return { statusCode: error.statusCode, error: error.message, retryable: error.retryable, retryAfter: error.retryAfter };
  if (error instanceof OutboundError) return { statusCode: null, error: error.message, retryable: error.retryable };
  // Anything else (a database blip while sending, a malformed reply) is worth another try.
  return { statusCode: null, error: (error as Error).message ?? String(error), retryable: true };
}
