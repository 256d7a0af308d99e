import { RegionCatalog, RegionError } from '@holdfast/regions';
import { Clock, decodeCursor, InjectServiceConfig, pageOf, type FieldProblem, type ServiceConfig, type VersionPrecondition, VersionedResource } from '@holdfast/service-kit';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { DataSource, type EntityManager, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { ChannelName } from '../channels/channel-name';
import { receiverSecretProblem } from '../channels/receiver-authorization';
import { generateWebhookSecret, isWebhookSecret } from '../channels/webhook/webhook-signature';
import type { NotifierSettings } from '../config/notifier-settings';
import { AddressPolicy } from '../outbound/address-policy';
import { HOST_LOOKUP, type HostLookup } from '../outbound/outbound-http.client';
import { subscriptionTargetKey } from '../outbound/target-key';
import type { CreateSubscription, RotateSecretRequest, UpdateSubscription } from './dto/subscription.schemas';
import type { CreatedSubscription, RotatedSubscription, SubscriptionView } from './dto/subscription-view.schema';
import { deletedReason, RESUME_UNSENT, UNSENT_AT_GONE, UNSENT_WHILE_OFF } from '../deliveries/deliveries.service';
import { receiverIdentity } from './receiver-identity';
import { SecretBox } from './secret-box';
import { SubscriptionEntity, type SealedPreviousSecret } from './subscription.entity';
import { InvalidSubscription, SecretNotRotatable, SubscriptionExists, SubscriptionNotFound, TooManySigningSecrets } from './subscription.exception';

/** Its view at `now`: a rotation's overlap is shown while it lasts, whether or not the prune has erased the old secret yet. */
const viewOf = (subscription: SubscriptionEntity, now: Date): SubscriptionView => {
  const signing = stillSigning(subscription, now);
  return {
    id: subscription.id,
    channel: subscription.channel,
    target: subscription.target,
    ownerTeam: subscription.ownerTeam,
    version: subscription.version,
    hasSecret: subscription.sealedSecret !== null,
    description: subscription.description,
    enabled: subscription.enabled,
    disabledReason: subscription.disabledReason,
    previousSecretUntil: signing.length === 0 ? null : new Date(Math.max(...signing.map(({ until }) => Date.parse(until)))).toISOString(),
    previousSecrets: signing.map(({ until }) => ({ until: new Date(until).toISOString() })),
    filters: subscription.filters,
    createdBy: subscription.createdBy,
    createdAt: subscription.createdAt.toISOString(),
    updatedAt: subscription.updatedAt.toISOString(),
  };
};

/** The secrets rotations replaced whose overlap lasts at `now`, newest first. */
const stillSigning = (subscription: SubscriptionEntity, now: Date): SealedPreviousSecret[] => subscription.previousSecrets.filter(({ until }) => Date.parse(until) > now.getTime());

/**
 * How many replaced secrets sign beside the current one at most: a receiver may hold any of them,
 * each promised until its own overlap ends, and each adds a signature to every delivery.
 */
export const MAX_PREVIOUS_SECRETS = 3;

/** A secret a rotation replaced, and when it stops signing. */
export interface PreviousSecret {
  secret: string;
  until: Date;
}

// Only alerts let go while it was off (paused): one ended by a release, or kept from before releases were recorded, stays ended.
const REVIVE_HOLD_ALERTS = `UPDATE hold_alert a SET active = true, paused = false, refresh_at = $2
  WHERE a.subscription_id = $1 AND a.paused AND NOT EXISTS (SELECT 1 FROM hold_release r WHERE r.hold_id = a.hold_id)`;

// A change names the version it was made against in If-Match only; without it, it applies whatever the version.
const SUBSCRIPTIONS = new VersionedResource('Subscription', '/v1/subscriptions', false);

const STRICT_POLICY = new AddressPolicy('');
// A resolver that does not answer in this time leaves the check to the deliveries.
const NAME_CHECK_TIMEOUT_MS = 1_000;
// How often a change of secrets, turning off or deletion looks whether the sends that may have read the subscription before are finished.
const SENDS_POLL_MS = 20;
// Beyond the delivery timeout, for a send that read the subscription before the change to be cut and its attempt written.
const SENDS_SETTLE_MS = 1_000;
// The deliveries of a subscription being sent, with their lease: a delivery taken over later has another lease and read afresh.
const SENDING = "SELECT id, lease_until FROM delivery WHERE subscription_id = $1 AND status = 'sending'";
export const STILL_SENDING = `SELECT count(*)::int AS count FROM delivery d JOIN unnest($1::uuid[], $2::timestamptz[]) AS s(id, lease_until)
  ON d.id = s.id AND d.lease_until = s.lease_until WHERE d.status = 'sending'`;
// Each replaced secret goes once its own overlap has ended; the others keep their order.
const FORGET_ENDED_OVERLAPS = `UPDATE subscription s SET previous_secrets = COALESCE(
    (SELECT jsonb_agg(kept.secret ORDER BY kept.position) FROM jsonb_array_elements(s.previous_secrets) WITH ORDINALITY AS kept(secret, position)
     WHERE (kept.secret->>'until')::timestamptz > $1), '[]'::jsonb)
  WHERE s.previous_secrets <> '[]'::jsonb AND EXISTS (SELECT 1 FROM jsonb_array_elements(s.previous_secrets) AS e(secret) WHERE (e.secret->>'until')::timestamptz <= $1)`;

// Creations for one team in turn: two identical ones sent at once must not both find none before them.
const LOCK_TEAM_SUBSCRIPTIONS = `SELECT pg_advisory_xact_lock(hashtext('notifier/subscriptions'), hashtext($1))`;

/** Filters compared as sets: the same lists in another order deliver the same events. */
const filtersKey = (filters: SubscriptionEntity['filters']): string =>
  JSON.stringify(Object.entries(filters).sort(([a], [b]) => a.localeCompare(b)).map(([name, values]) => [name, [...values].sort()]));

// A Slack incoming-webhook URL is its own credential: only the origin is shown, the whole URL is sealed.
const shownSlackTarget = (url: string): string => `${new URL(url).origin}/…`;

const CREDENTIALS_IN_TARGET: Record<Exclude<ChannelName, 'slack'>, string> = {
  webhook: 'must not carry a user name or password (user:password@): a target is stored and listed in clear; the receiver checks the signature made with the subscription secret instead',
  grafana: 'must not carry a user name or password (user:password@): a target is stored and listed in clear; give a service account token as secret (sent as a Bearer token), or "Basic " and the base64 of user:password',
  alertmanager: 'must not carry a user name or password (user:password@): a target is stored and listed in clear; give "Basic " and the base64 of user:password as secret (sent as the Authorization header), or a token (sent as a Bearer token)',
};

// The API path is joined onto the base URL's path (receiverApiUrl), where a query or fragment has no place.
const QUERY_IN_TARGET: Record<'grafana' | 'alertmanager', string> = {
  grafana:
    "must be Grafana's base URL, without a query or fragment: /api/annotations is added to its path, and the organisation is the token's, not a ?orgId= (give https://grafana.example.org, not https://grafana.example.org/?orgId=1)",
  alertmanager: "must be Alertmanager's base URL, without a query or fragment: /api/v2/alerts is added to its path, and that API takes no query (give http://alertmanager:9093)",
};

@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);
  private readonly policy: AddressPolicy;
  private readonly deliveryTimeoutMs: number;
  private readonly sendingChangedListeners = new Set<(subscriptionId: string) => void>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly catalog: RegionCatalog,
    @InjectServiceConfig() config: ServiceConfig<NotifierSettings>,
    @Inject(HOST_LOOKUP) private readonly lookup: HostLookup,
  ) {
    this.policy = new AddressPolicy(config.settings.outboundAllow);
    this.deliveryTimeoutMs = config.settings.delivery.timeoutMs;
  }

  /**
   * Calls `listener` with a subscription's id once this process has changed where or whether it
   * sends (deleted, turned off, its target or secrets changed) and the sends that read the old
   * state have finished. The delivery worker lets go of what it kept for the old state at once
   * instead of at its next sweep; other replicas still learn of it at theirs. Returns a function
   * that stops the calls.
   */
  onSendingChanged(listener: (subscriptionId: string) => void): () => void {
    this.sendingChangedListeners.add(listener);
    return () => this.sendingChangedListeners.delete(listener);
  }

  private sendingChanged(id: string): void {
    for (const listener of this.sendingChangedListeners) listener(id);
  }

  /** Creates a subscription; the response carries the secret this once (a generated webhook secret included). */
  async create(request: CreateSubscription, actor: string): Promise<CreatedSubscription> {
    const secret = request.channel === 'webhook' ? (request.secret ?? generateWebhookSecret()) : request.channel === 'slack' ? request.target : request.secret;
    await this.validate(request.channel, { ...request, secret: request.channel === 'slack' ? request.secret : secret });
    const id = uuidv7();
    const now = this.clock.now();
    const subscription = await this.dataSource.transaction(async (tx) => {
      if (request.enabled) {
        await tx.query(LOCK_TEAM_SUBSCRIPTIONS, [request.ownerTeam]);
        const existing = await this.sameSubscription(tx, request);
        if (existing) throw new SubscriptionExists(existing);
      }
      return tx.getRepository(SubscriptionEntity).save({
        id,
        channel: request.channel,
        target: request.channel === 'slack' ? shownSlackTarget(request.target) : request.target,
        ownerTeam: request.ownerTeam,
        sealedSecret: secret === undefined ? null : this.secrets.seal(secret, id),
        previousSecrets: [],
        version: 1,
        filters: request.filters,
        description: request.description ?? null,
        enabled: request.enabled,
        disabledReason: null,
        createdBy: actor,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
      });
    });
    return { ...viewOf(subscription, now), ...(secret !== undefined && request.channel !== 'slack' ? { secret } : {}) };
  }

  /**
   * The team's subscription on now that sends what `request` asks for: the same channel, receiver and
   * filters. A setup script run twice made a second one, and every event reached its receiver twice.
   * Receivers are compared by receiverIdentity, so another spelling of one URL is the same receiver.
   * A Slack receiver is its sealed URL: only those whose origin matches are opened to compare.
   */
  private async sameSubscription(tx: EntityManager, request: Pick<CreateSubscription, 'channel' | 'ownerTeam' | 'target' | 'filters'>, other?: string): Promise<SubscriptionEntity | undefined> {
    const slack = request.channel === 'slack';
    const candidates = await tx.getRepository(SubscriptionEntity).findBy({
      channel: request.channel,
      ownerTeam: request.ownerTeam,
      ...(slack ? { target: shownSlackTarget(request.target) } : {}),
      enabled: true,
      deletedAt: IsNull(),
    });
    const wanted = filtersKey(request.filters);
    const receiver = receiverIdentity(request.target, request.channel);
    const receiverOf = (candidate: SubscriptionEntity): string | null => {
      const target = slack ? candidate.sealedSecret && this.secrets.openIfItCan(candidate.sealedSecret, candidate.id) : candidate.target;
      return target ? receiverIdentity(target, request.channel) : null;
    };
    return candidates.find((candidate) => candidate.id !== other && filtersKey(candidate.filters) === wanted && receiverOf(candidate) === receiver);
  }

  /** Oldest first, a page at a time; the id orders subscriptions made in the same millisecond. */
  async list(query: { ownerTeam?: string; limit: number; cursor?: string }): Promise<{ items: SubscriptionView[]; nextCursor: string | null }> {
    const after = query.cursor ? decodeCursor(query.cursor, 'uuid') : null;
    const subscriptions = await this.repository()
      .createQueryBuilder('subscription')
      .where('subscription.deleted_at IS NULL')
      .andWhere(query.ownerTeam ? 'subscription.owner_team = :ownerTeam' : 'true', { ownerTeam: query.ownerTeam })
      .andWhere(after ? '(subscription.created_at, subscription.id) > (:at, :id)' : 'true', { ...after })
      .orderBy('subscription.created_at')
      .addOrderBy('subscription.id')
      .limit(query.limit + 1)
      .getMany();
    const now = this.clock.now();
    return pageOf(subscriptions, query.limit, (subscription) => ({ at: subscription.createdAt, id: subscription.id }), (subscription) => viewOf(subscription, now));
  }

  async get(id: string): Promise<SubscriptionEntity> {
    const subscription = await this.repository().findOneBy({ id, deletedAt: IsNull() });
    if (!subscription) throw new SubscriptionNotFound(id);
    return subscription;
  }

  async show(id: string): Promise<SubscriptionView> {
    return viewOf(await this.get(id), this.clock.now());
  }

  /** Changes it if its version is one `ifMatch` names (any, without it); 412 precondition-failed otherwise. */
  async update(id: string, patch: UpdateSubscription, ifMatch?: string): Promise<SubscriptionView> {
    const precondition = SUBSCRIPTIONS.precondition(ifMatch, { id });
    const subscription = await this.get(id);
    SUBSCRIPTIONS.assertMatches(precondition, id, subscription.version, 'reapply your change');
    await this.validate(subscription.channel, { target: patch.target ?? null, secret: patch.secret, filters: patch.filters });
    const changes: Partial<SubscriptionEntity> = { updatedAt: this.clock.now() };
    if (patch.ownerTeam !== undefined) changes.ownerTeam = patch.ownerTeam;
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    // Turned on (or off) by a person: whatever the notifier said when it stopped it no longer stands.
    if (patch.enabled !== undefined) changes.disabledReason = null;
    // From when its events wait for it: turned off having been on, now; turned on, no more.
    if (patch.enabled === false && subscription.enabled) changes.turnedOffAt = this.clock.now();
    if (patch.enabled === true) changes.turnedOffAt = null;
    if (patch.filters !== undefined) changes.filters = patch.filters;
    if (patch.target !== undefined) {
      changes.target = subscription.channel === 'slack' ? shownSlackTarget(patch.target) : patch.target;
      if (subscription.channel === 'slack') changes.sealedSecret = this.secrets.seal(patch.target, id);
    }
    if (patch.secret !== undefined) {
      changes.sealedSecret = this.secrets.seal(patch.secret, id);
      // Given with PATCH, a secret replaces the old one at once (a leaked one must stop working now): those rotations replaced go too.
      changes.previousSecrets = [];
    }
    await this.dataSource.transaction(async (transaction) => {
      await this.lockAt(transaction, id, precondition, 'reapply your change');
      // Turned on, or pointed elsewhere, it must not become a second subscription sending what another one of the team already does.
      const sends = changes.enabled ?? subscription.enabled;
      if (sends && (patch.enabled === true || patch.target !== undefined || patch.filters !== undefined || patch.ownerTeam !== undefined)) {
        const ownerTeam = changes.ownerTeam ?? subscription.ownerTeam;
        const target = patch.target ?? (subscription.channel !== 'slack' ? subscription.target : subscription.sealedSecret && this.secrets.openIfItCan(subscription.sealedSecret, id));
        if (target) {
          await transaction.query(LOCK_TEAM_SUBSCRIPTIONS, [ownerTeam]);
          const existing = await this.sameSubscription(transaction, { channel: subscription.channel, ownerTeam, target, filters: changes.filters ?? subscription.filters }, id);
          if (existing) throw new SubscriptionExists(existing);
        }
      }
      await transaction.update(SubscriptionEntity, { id }, { ...changes, version: () => 'version + 1' });
      // What it has not finished sending goes where it points now, under that target's circuit and share: the old target's
      // circuit, open perhaps (why it was moved), would hold the deliveries back and count the new target's failures.
      const targetKey = changes.target === undefined ? undefined : subscriptionTargetKey({ ...subscription, target: changes.target });
      if (targetKey !== undefined && targetKey !== subscriptionTargetKey(subscription)) {
        await transaction.query("UPDATE delivery SET target_key = $2 WHERE subscription_id = $1 AND status IN ('pending', 'sending')", [id, targetKey]);
      }
      // The annotation ids it keeps are the old Grafana's: in the new one, a release or an extension would move whichever annotation has that id.
      if (subscription.channel === 'grafana' && changes.target !== undefined && changes.target !== subscription.target) {
        await transaction.query('DELETE FROM grafana_annotation WHERE subscription_id = $1', [id]);
      }
      // While it was off the alert refresher let its holds' alerts go; those of holds not released since fire again at the next refresh.
      if (patch.enabled === true && !subscription.enabled) await transaction.query(REVIVE_HOLD_ALERTS, [id, changes.updatedAt]);
      // What waited for it, unsent, goes out now, ahead of anything newer in its order (a replay after this answer came after
      // events recorded meanwhile: a hold's release reached the receiver before its placement).
      if (patch.enabled === true && !subscription.enabled) await transaction.query(RESUME_UNSENT, [id, changes.updatedAt]);
    });
    const updated = await this.get(id);
    // The trigger bumped sending_version: what a send under way read (its secrets, target, or that it sends) no longer holds.
    if (updated.sendingVersion !== subscription.sendingVersion) {
      await this.sendsReadBeforeFinished(id);
      this.sendingChanged(id);
    }
    return viewOf(updated, this.clock.now());
  }

  /**
   * Gives a webhook subscription a new signing secret (the one given, else a generated one),
   * returned in this answer only, and keeps the one it replaces for `overlapHours`: until then
   * every delivery carries both signatures, the new one first, so each receiver takes the new
   * secret in its own time. Secrets earlier rotations replaced keep signing until their own
   * overlaps end, up to MAX_PREVIOUS_SECRETS (beyond, 409); `overlapHours: 0` drops them all.
   * It answers once no delivery that may have read the old secrets is still being sent, so from
   * the answer on every request, from any replica, carries the new secret's signature.
   */
  async rotateSecret(id: string, request: RotateSecretRequest, actor: string, ifMatch?: string): Promise<RotatedSubscription> {
    const precondition = SUBSCRIPTIONS.precondition(ifMatch, { id });
    const secret = request.secret ?? generateWebhookSecret();
    const rotated = await this.dataSource.transaction(async (transaction) => {
      // Locked, so two rotations at once run one after the other: the second keeps the first's new secret as one it replaced.
      const subscription = await transaction.getRepository(SubscriptionEntity).findOne({ where: { id, deletedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
      if (!subscription) throw new SubscriptionNotFound(id);
      SUBSCRIPTIONS.assertMatches(precondition, id, subscription.version, 'rotate again');
      if (subscription.channel !== 'webhook') throw new SecretNotRotatable(id, subscription.channel);
      await this.validate('webhook', { secret });
      const current = subscription.sealedSecret === null ? null : this.openedOrNull(subscription.sealedSecret, id);
      if (current === secret) throw new InvalidSubscription([{ path: 'secret', message: 'is the secret in use now: give another, or leave it out to have one generated' }]);
      const now = this.clock.now();
      const previousSecrets = request.overlapHours > 0 ? this.keptThrough(subscription, secret, now) : [];
      // One that cannot be opened (NOTIFIER_SECRET_KEY changed since) signed nothing a receiver could check: it is not kept.
      if (request.overlapHours > 0 && current !== null) {
        if (previousSecrets.length >= MAX_PREVIOUS_SECRETS) {
          throw new TooManySigningSecrets(id, previousSecrets.length, new Date(Math.min(...previousSecrets.map(({ until }) => Date.parse(until)))));
        }
        previousSecrets.unshift({ sealed: subscription.sealedSecret!, until: new Date(now.getTime() + request.overlapHours * 3_600_000).toISOString() });
      }
      const changes: Partial<SubscriptionEntity> = { sealedSecret: this.secrets.seal(secret, id), previousSecrets, updatedAt: now, version: subscription.version + 1 };
      await transaction.update(SubscriptionEntity, { id }, changes);
      return { ...subscription, ...changes };
    });
    await this.sendsReadBeforeFinished(id);
    const view = viewOf(rotated, this.clock.now());
    // Never the secrets: which subscription, who, and until when old ones still sign.
    this.logger.log({ subscriptionId: id, actor, previousSecretUntil: view.previousSecretUntil, previousSecrets: view.previousSecrets }, 'webhook signing secret rotated');
    return { ...view, secret };
  }

  /**
   * The secrets earlier rotations replaced that a new rotation keeps: those still signing and
   * still readable (sealed under another NOTIFIER_SECRET_KEY, none was checkable), but not the one
   * becoming current again, which signs first anyway.
   */
  private keptThrough(subscription: SubscriptionEntity, secret: string, now: Date): SealedPreviousSecret[] {
    return stillSigning(subscription, now).filter(({ sealed }) => {
      const opened = this.openedOrNull(sealed, subscription.id);
      return opened !== null && opened !== secret;
    });
  }

  /**
   * Resolves once no delivery of the subscription that was being sent when its secrets or target
   * changed, or it was turned off or deleted, still is. The worker reads the subscription after claiming a
   * delivery (DeliveryWorker compares its copy's sending_version then), so only a delivery claimed
   * before the change, being sent now, can carry the old secrets, go to the old target or be sent at all: waiting for it
   * keeps its request from reaching a receiver after the answer. Bounded by the delivery timeout,
   * which cuts such a request anyway.
   */
  private async sendsReadBeforeFinished(id: string): Promise<void> {
    const sending = (await this.dataSource.query(SENDING, [id])) as { id: string; lease_until: Date }[];
    if (sending.length === 0) return;
    const ids = sending.map((delivery) => delivery.id);
    const leases = sending.map((delivery) => delivery.lease_until);
    const deadline = performance.now() + this.deliveryTimeoutMs + SENDS_SETTLE_MS;
    while (performance.now() < deadline) {
      await delay(SENDS_POLL_MS);
      const [{ count }] = (await this.dataSource.query(STILL_SENDING, [ids, leases])) as [{ count: number }];
      if (count === 0) return;
    }
    this.logger.warn({ subscriptionId: id, deliveryIds: ids }, 'deliveries sent before the subscription changed (its secret or target, turned off or deleted) are still unfinished past the delivery timeout; answering without them');
  }

  /**
   * Deletes it for the API and for matching; its deliveries stay as history, those not yet sent are
   * cancelled. It answers once those being sent are finished, so no request reaches its receiver after.
   */
  async remove(id: string, ifMatch?: string): Promise<void> {
    const precondition = SUBSCRIPTIONS.precondition(ifMatch, { id });
    await this.get(id);
    await this.dataSource.transaction(async (transaction) => {
      await this.lockAt(transaction, id, precondition, 'delete it at its current version, or send no If-Match to delete it whatever its version');
      const now = this.clock.now();
      await transaction.update(SubscriptionEntity, { id }, { deletedAt: now, enabled: false });
      // Those pending, and those that waited, unsent, for it to be turned on again: never sent now, so cancelled, not dead with
      // steps no one can follow, saying why in place of a receiver's failure before, which their attempts keep.
      await transaction.query(
        `UPDATE delivery SET status = 'cancelled', lease_until = NULL, finished_at = $2, last_error = $3 WHERE subscription_id = $1 AND (status = 'pending' OR ${UNSENT_WHILE_OFF})`,
        [id, now, deletedReason(id)],
      );
    });
    await this.sendsReadBeforeFinished(id);
    this.sendingChanged(id);
  }

  /**
   * A receiver that answers 410 Gone says it will never take another delivery (Standard Webhooks
   * asks senders to stop): the subscription is turned off with the reason, and its deliveries not
   * yet sent are marked dead unsent, as are those recorded while it is off: PATCH {"enabled": true}
   * sends them all, the refused delivery first, in order.
   */
  async stopGone(id: string, reason: string): Promise<boolean> {
    const stopped = await this.dataSource.transaction(async (transaction) => {
      const now = this.clock.now();
      const { affected } = await transaction.update(SubscriptionEntity, { id, enabled: true, deletedAt: IsNull() }, {
        enabled: false,
        disabledReason: reason,
        turnedOffAt: now,
        updatedAt: now,
        version: () => 'version + 1',
      });
      if (!affected) return false;
      await transaction.query("UPDATE delivery SET status = 'dead', lease_until = NULL, last_error = $2, finished_at = $3 WHERE subscription_id = $1 AND status = 'pending'", [
        id,
        UNSENT_AT_GONE,
        now,
      ]);
      return true;
    });
    if (stopped) this.sendingChanged(id);
    return stopped;
  }

  /**
   * The opened secrets and the URL to send to, for the delivery worker and the alert refresher
   * only: the current secret, and those rotations replaced whose overlap lasts, newest first.
   */
  sendingDetails(subscription: SubscriptionEntity): { secret: string | null; previousSecrets: PreviousSecret[]; targetUrl: string } {
    const secret = subscription.sealedSecret === null ? null : this.secrets.open(subscription.sealedSecret, subscription.id);
    const previousSecrets = stillSigning(subscription, this.clock.now()).map(({ sealed, until }) => ({ secret: this.secrets.open(sealed, subscription.id), until: new Date(until) }));
    return { secret, previousSecrets, targetUrl: subscription.channel === 'slack' && secret ? secret : subscription.target };
  }

  /**
   * Erases the secrets rotations replaced once their overlap has ended (deliveries already stopped
   * signing with them then): a leaked one is not kept longer than it is used. Resolves with how
   * many subscriptions lost one.
   */
  async forgetEndedOverlaps(): Promise<number> {
    const [, affected] = (await this.dataSource.query(FORGET_ENDED_OVERLAPS, [this.clock.now()])) as [unknown, number];
    return affected;
  }

  /** Locks the subscription for the change, and holds it to the precondition (a change may have come since it was read). */
  private async lockAt(transaction: EntityManager, id: string, precondition: VersionPrecondition | undefined, whatToDo: string): Promise<void> {
    const [locked] = (await transaction.query('SELECT version FROM subscription WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [id])) as { version: number }[];
    if (!locked) throw new SubscriptionNotFound(id);
    SUBSCRIPTIONS.assertMatches(precondition, id, locked.version, whatToDo);
  }

  private openedOrNull(sealed: string, subscriptionId: string): string | null {
    try {
      return this.secrets.open(sealed, subscriptionId);
    } catch {
      return null;
    }
  }

  private async validate(channel: ChannelName, fields: { target?: string | null; secret?: string; filters?: { regions: string[] } }): Promise<void> {
    const errors: FieldProblem[] = [];
    if (fields.target) {
      const url = new URL(fields.target);
      const host = url.hostname.replace(/^\[|\]$/g, '');
      const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
      const refusal = isIP(host) ? this.policy.refusal(host, port) : await this.nameRefusal(host, port);
      if (refusal) errors.push({ path: 'target', code: 'refused-address', message: `is refused: ${refusal}` });
      if (channel === 'slack' && url.protocol !== 'https:' && !this.isAllowedPlainHttp(url)) errors.push({ path: 'target', message: 'must be an https:// Slack incoming-webhook URL' });
      // Only Slack's target is sealed (it is the credential); any other is stored and listed as it is.
      if (channel !== 'slack' && (url.username || url.password)) errors.push({ path: 'target', code: 'credentials-in-target', message: CREDENTIALS_IN_TARGET[channel] });
      if ((channel === 'grafana' || channel === 'alertmanager') && (url.search || url.hash)) errors.push({ path: 'target', code: 'query-in-target', message: QUERY_IN_TARGET[channel] });
    }
    if (fields.secret !== undefined) {
      if (channel === 'webhook' && !isWebhookSecret(fields.secret)) errors.push({ path: 'secret', message: 'must be whsec_ followed by 24 to 64 bytes in base64 (leave it out to have one generated)' });
      if (channel === 'slack') errors.push({ path: 'secret', message: 'is not used by Slack: the incoming-webhook URL in target is the credential' });
      const receiverProblem = channel === 'grafana' || channel === 'alertmanager' ? receiverSecretProblem(fields.secret) : undefined;
      if (receiverProblem) errors.push({ path: 'secret', message: receiverProblem });
    }
    if (fields.filters) {
      try {
        this.catalog.getAll(fields.filters.regions);
      } catch (error) {
        if (!(error instanceof RegionError)) throw error;
        errors.push({ path: 'filters.regions', code: 'unknown-region', message: error.message });
      }
    }
    if (errors.length > 0) throw new InvalidSubscription(errors);
  }

  /**
   * Why a host name cannot be delivered to as it resolves now: by the rule deliveries apply, any
   * refused address refuses it (taken, its every delivery would die refused). A name that does not
   * resolve yet is taken; deliveries check it again when they connect.
   */
  private async nameRefusal(host: string, port: number): Promise<string | undefined> {
    const addresses = await Promise.race([this.lookup(host).catch(() => []), delay(NAME_CHECK_TIMEOUT_MS, [], { ref: false })]);
    const refusal = this.policy.resolvedRefusal(addresses.map(({ address }) => address), port);
    return refusal && `${host} resolves to an address refused here: ${refusal}`;
  }

  // Plain http is for receivers the allow-list names (tests, a local relay); Slack itself is https only.
  private isAllowedPlainHttp(url: URL): boolean {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 80);
    return isIP(host) !== 0 && STRICT_POLICY.refusal(host, port) !== undefined && this.policy.refusal(host, port) === undefined;
  }

  private repository() {
    return this.dataSource.getRepository(SubscriptionEntity);
  }
}
