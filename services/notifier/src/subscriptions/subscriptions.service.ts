import { RegionCatalog, RegionError } from '@holdfast/regions';
import { Clock, decodeCursor, InjectServiceConfig, pageOf, type FieldProblem, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { DataSource, IsNull } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { ChannelName } from '../channels/channel-name';
import { receiverSecretProblem } from '../channels/receiver-authorization';
import { generateWebhookSecret, isWebhookSecret } from '../channels/webhook/webhook-signature';
import type { NotifierSettings } from '../config/notifier-settings';
import { AddressPolicy } from '../outbound/address-policy';
import { systemLookup } from '../outbound/outbound-http.client';
import { subscriptionTargetKey } from '../outbound/target-key';
import type { CreateSubscription, UpdateSubscription } from './dto/subscription.schemas';
import { SecretBox } from './secret-box';
import { SubscriptionEntity } from './subscription.entity';
import { InvalidSubscription, SubscriptionNotFound } from './subscription.exception';

/** A subscription as the API shows it: never its secret, only whether it has one. */
export interface SubscriptionView {
  id: string;
  channel: ChannelName;
  target: string;
  ownerTeam: string;
  hasSecret: boolean;
  description: string | null;
  enabled: boolean;
  /** Why the notifier turned it off (its receiver answered 410 Gone); null otherwise. */
  disabledReason: string | null;
  filters: SubscriptionEntity['filters'];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export const viewOf = (subscription: SubscriptionEntity): SubscriptionView => ({
  id: subscription.id,
  channel: subscription.channel,
  target: subscription.target,
  ownerTeam: subscription.ownerTeam,
  hasSecret: subscription.sealedSecret !== null,
  description: subscription.description,
  enabled: subscription.enabled,
  disabledReason: subscription.disabledReason,
  filters: subscription.filters,
  createdBy: subscription.createdBy,
  createdAt: subscription.createdAt.toISOString(),
  updatedAt: subscription.updatedAt.toISOString(),
});

// Only alerts let go while it was off (paused): one ended by a release, or kept from before releases were recorded, stays ended.
const REVIVE_HOLD_ALERTS = `UPDATE hold_alert a SET active = true, paused = false, refresh_at = $2
  WHERE a.subscription_id = $1 AND a.paused AND NOT EXISTS (SELECT 1 FROM hold_release r WHERE r.hold_id = a.hold_id)`;

const STRICT_POLICY = new AddressPolicy('');
// A resolver that does not answer in this time leaves the check to the deliveries.
const NAME_CHECK_TIMEOUT_MS = 1_000;

// A Slack incoming-webhook URL is its own credential: only the origin is shown, the whole URL is sealed.
const shownSlackTarget = (url: string): string => `${new URL(url).origin}/…`;

const CREDENTIALS_IN_TARGET: Record<Exclude<ChannelName, 'slack'>, string> = {
  webhook: 'must not carry a user name or password (user:password@): a target is stored and listed in clear; the receiver checks the signature made with the subscription secret instead',
  grafana: 'must not carry a user name or password (user:password@): a target is stored and listed in clear; give a service account token as secret (sent as a Bearer token), or "Basic " and the base64 of user:password',
  alertmanager: 'must not carry a user name or password (user:password@): a target is stored and listed in clear; give "Basic " and the base64 of user:password as secret (sent as the Authorization header), or a token (sent as a Bearer token)',
};

@Injectable()
export class SubscriptionsService {
  private readonly policy: AddressPolicy;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly catalog: RegionCatalog,
    @InjectServiceConfig() config: ServiceConfig<NotifierSettings>,
  ) {
    this.policy = new AddressPolicy(config.settings.outboundAllow);
  }

  /** Creates a subscription; the response carries the secret this once (a generated webhook secret included). */
  async create(request: CreateSubscription, actor: string): Promise<SubscriptionView & { secret?: string }> {
    const secret = request.channel === 'webhook' ? (request.secret ?? generateWebhookSecret()) : request.channel === 'slack' ? request.target : request.secret;
    await this.validate(request.channel, { ...request, secret: request.channel === 'slack' ? request.secret : secret });
    const id = uuidv7();
    const now = this.clock.now();
    const subscription = await this.repository().save({
      id,
      channel: request.channel,
      target: request.channel === 'slack' ? shownSlackTarget(request.target) : request.target,
      ownerTeam: request.ownerTeam,
      sealedSecret: secret === undefined ? null : this.secrets.seal(secret, id),
      filters: request.filters,
      description: request.description ?? null,
      enabled: request.enabled,
      disabledReason: null,
      createdBy: actor,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
    });
    return { ...viewOf(subscription), ...(secret !== undefined && request.channel !== 'slack' ? { secret } : {}) };
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
    return pageOf(subscriptions, query.limit, (subscription) => ({ at: subscription.createdAt, id: subscription.id }), viewOf);
  }

  async get(id: string): Promise<SubscriptionEntity> {
    const subscription = await this.repository().findOneBy({ id, deletedAt: IsNull() });
    if (!subscription) throw new SubscriptionNotFound(id);
    return subscription;
  }

  async update(id: string, patch: UpdateSubscription): Promise<SubscriptionView> {
    const subscription = await this.get(id);
    await this.validate(subscription.channel, { target: patch.target ?? null, secret: patch.secret, filters: patch.filters });
    const changes: Partial<SubscriptionEntity> = { updatedAt: this.clock.now() };
    if (patch.ownerTeam !== undefined) changes.ownerTeam = patch.ownerTeam;
    if (patch.description !== undefined) changes.description = patch.description;
    if (patch.enabled !== undefined) changes.enabled = patch.enabled;
    // Turned on (or off) by a person: whatever the notifier said when it stopped it no longer stands.
    if (patch.enabled !== undefined) changes.disabledReason = null;
    if (patch.filters !== undefined) changes.filters = patch.filters;
    if (patch.target !== undefined) {
      changes.target = subscription.channel === 'slack' ? shownSlackTarget(patch.target) : patch.target;
      if (subscription.channel === 'slack') changes.sealedSecret = this.secrets.seal(patch.target, id);
    }
    if (patch.secret !== undefined) changes.sealedSecret = this.secrets.seal(patch.secret, id);
    await this.dataSource.transaction(async (transaction) => {
      await transaction.update(SubscriptionEntity, { id }, changes);
      // What it has not finished sending goes where it points now, under that target's circuit and share: the old target's
      // circuit, open perhaps (why it was moved), would hold the deliveries back and count the new target's failures.
      const targetKey = changes.target === undefined ? undefined : subscriptionTargetKey({ target: changes.target });
      if (targetKey !== undefined && targetKey !== subscriptionTargetKey(subscription)) {
        await transaction.query("UPDATE delivery SET target_key = $2 WHERE subscription_id = $1 AND status IN ('pending', 'sending')", [id, targetKey]);
      }
      // The annotation ids it keeps are the old Grafana's: in the new one, a release or an extension would move whichever annotation has that id.
      if (subscription.channel === 'grafana' && changes.target !== undefined && changes.target !== subscription.target) {
        await transaction.query('DELETE FROM grafana_annotation WHERE subscription_id = $1', [id]);
      }
      // While it was off the alert refresher let its holds' alerts go; those of holds not released since fire again at the next refresh.
      if (patch.enabled === true && !subscription.enabled) await transaction.query(REVIVE_HOLD_ALERTS, [id, changes.updatedAt]);
    });
    return viewOf(await this.get(id));
  }

  /** Deletes it for the API and for matching; its deliveries stay as history, those not yet sent are cancelled. */
  async remove(id: string): Promise<void> {
    await this.get(id);
    await this.dataSource.transaction(async (transaction) => {
      const now = this.clock.now();
      await transaction.update(SubscriptionEntity, { id }, { deletedAt: now, enabled: false });
      await transaction.query("UPDATE delivery SET status = 'cancelled', lease_until = NULL, finished_at = $2 WHERE subscription_id = $1 AND status = 'pending'", [id, now]);
    });
  }

  /**
   * A receiver that answers 410 Gone says it will never take another delivery (Standard Webhooks
   * asks senders to stop): the subscription is turned off with the reason, and its deliveries not
   * yet sent are marked dead unsent, so one replay sends them all once PATCH {"enabled": true} has
   * turned it on again.
   */
  async stopGone(id: string, reason: string): Promise<boolean> {
    return this.dataSource.transaction(async (transaction) => {
      const now = this.clock.now();
      const { affected } = await transaction.update(SubscriptionEntity, { id, enabled: true, deletedAt: IsNull() }, { enabled: false, disabledReason: reason, updatedAt: now });
      if (!affected) return false;
      await transaction.query("UPDATE delivery SET status = 'dead', lease_until = NULL, last_error = $2, finished_at = $3 WHERE subscription_id = $1 AND status = 'pending'", [
        id,
        'not sent: the subscription was turned off when its receiver answered 410 Gone',
        now,
      ]);
      return true;
    });
  }

  /** The opened secret and the URL to send to, for the delivery worker and the alert refresher only. */
  sendingDetails(subscription: SubscriptionEntity): { secret: string | null; targetUrl: string } {
    const secret = subscription.sealedSecret === null ? null : this.secrets.open(subscription.sealedSecret, subscription.id);
    return { secret, targetUrl: subscription.channel === 'slack' && secret ? secret : subscription.target };
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
    const addresses = await Promise.race([systemLookup(host).catch(() => []), delay(NAME_CHECK_TIMEOUT_MS, [], { ref: false })]);
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
