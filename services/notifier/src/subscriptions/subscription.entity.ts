import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ChannelName } from '../channels/channel-name';
import type { SubscriptionFilters } from './subscription-filters';

/** A secret a rotation replaced, sealed, and when it stops signing (an ISO instant). */
export interface SealedPreviousSecret {
  sealed: string;
  until: string;
}

/** Who is told what, and how: a channel, its target, an owner team and what it filters on. */
@Entity({ name: 'subscription' })
export class SubscriptionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'owner_team', type: 'text' })
  ownerTeam!: string;

  @Column({ type: 'text' })
  channel!: ChannelName;

  /** The target as shown; a Slack webhook URL is itself a credential, so only its origin is kept here. */
  @Column({ type: 'text' })
  target!: string;

  /** AES-256-GCM sealed (SecretBox); never returned or logged after creation. */
  @Column({ name: 'sealed_secret', type: 'text', nullable: true })
  sealedSecret!: string | null;

  /** Webhook secrets rotations replaced, newest first, sealed as the current one is; each signs deliveries too until its own end. */
  @Column({ name: 'previous_secrets', type: 'jsonb' })
  previousSecrets!: SealedPreviousSecret[];

  /**
   * Bumped by a trigger whenever what the worker sends with changes, whoever writes it: the current
   * or a replaced secret, `target`, `enabled`, `deleted_at`. A delivery worker whose copy carries
   * another number reads the subscription again; a change that bumped it answers once the sends that
   * read it before are finished.
   */
  @Column({ name: 'sending_version', type: 'integer', insert: false, update: false })
  sendingVersion!: number;

  /** Its ETag: bumped by every change to it (a PATCH, a rotation, turned off by its receiver's 410), held to If-Match. */
  @Column({ type: 'integer', default: 1 })
  version!: number;

  @Column({ type: 'jsonb' })
  filters!: SubscriptionFilters;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'boolean' })
  enabled!: boolean;

  /** Why the notifier turned it off itself (its receiver answered 410 Gone); null when on, or turned off by a person. */
  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason!: string | null;

  /** When it was turned off having been on: its events since then wait for it, dead unsent. Null when on, or made turned off. */
  @Column({ name: 'turned_off_at', type: 'timestamptz', nullable: true })
  turnedOffAt!: Date | null;

  @Column({ name: 'created_by', type: 'text' })
  createdBy!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Deleted subscriptions stay for their delivery history; they match nothing and send nothing. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;
}
