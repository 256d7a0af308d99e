import { Clock } from '@holdfast/service-kit';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SecretBox } from './secret-box';
import type { SealedPreviousSecret } from './subscription.entity';

interface SealedRow {
  id: string;
  sealed_secret: string | null;
  previous_secrets: SealedPreviousSecret[];
  deleted: boolean;
}

const SEALED_ROWS = `SELECT id, sealed_secret, previous_secrets, deleted_at IS NOT NULL AS deleted FROM subscription
  WHERE sealed_secret IS NOT NULL OR previous_secrets <> '[]'::jsonb ORDER BY id`;
// Only if no one changed the secrets meanwhile (a PATCH, a rotation, another replica's start): theirs stands.
const RESEAL = `UPDATE subscription SET sealed_secret = $4, previous_secrets = $5
  WHERE id = $1 AND sealed_secret IS NOT DISTINCT FROM $2 AND previous_secrets = $3::jsonb`;

/**
 * At start, before the delivery worker sends: seals again under NOTIFIER_SECRET_KEY the channel
 * secrets an earlier run sealed under the development key, and names the subscriptions whose
 * secrets the key does not open. An installation upgraded from before the key was set (npm start,
 * compose) would otherwise fail every delivery of every subscription, said only in each attempt's
 * error, and its operators could not give webhook secrets again without every receiver changing its own.
 */
@Injectable()
export class SecretReseal implements OnModuleInit {
  private readonly logger = new Logger('SecretBox');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    const { resealed, unopened } = await this.reseal();
    if (resealed.length > 0) {
      this.logger.log(
        { subscriptionIds: resealed },
        `sealed the channel secrets of ${resealed.length} subscription(s) again under NOTIFIER_SECRET_KEY: they were sealed under the built-in development key (made while NOTIFIER_SECRET_KEY was unset); receivers keep the secrets they have`,
      );
    }
    if (unopened.length > 0) {
      this.logger.warn(
        { subscriptionIds: unopened },
        `${unopened.length} subscription(s) have a channel secret this NOTIFIER_SECRET_KEY does not open (sealed under another key): every delivery of theirs fails until that key is set again, or each is given its secret again with PATCH /v1/subscriptions/{id} (a Slack subscription: its target): ${unopened.join(', ')}`,
      );
    }
  }

  /** The subscriptions whose secrets were sealed again, and those still sending with a secret no key opens. */
  async reseal(): Promise<{ resealed: string[]; unopened: string[] }> {
    const rows = (await this.dataSource.query(SEALED_ROWS)) as SealedRow[];
    const resealed: string[] = [];
    const unopened: string[] = [];
    const now = this.clock.nowMs();
    for (const row of rows) {
      const current = row.sealed_secret === null ? null : this.resealed(row.sealed_secret, row.id);
      const previous = row.previous_secrets.map((kept) => ({ ...kept, sealed: this.resealed(kept.sealed, row.id) ?? kept.sealed }));
      const changed = current !== null || previous.some((kept, index) => kept.sealed !== row.previous_secrets[index].sealed);
      if (changed) {
        const [, affected] = (await this.dataSource.query(RESEAL, [row.id, row.sealed_secret, JSON.stringify(row.previous_secrets), current ?? row.sealed_secret, JSON.stringify(previous)])) as [unknown, number];
        if (affected > 0) resealed.push(row.id);
      }
      // A deleted subscription sends nothing, and a replaced secret whose overlap ended signs nothing.
      const signing = [current ?? row.sealed_secret, ...previous.filter(({ until }) => Date.parse(until) > now).map(({ sealed }) => sealed)];
      if (!row.deleted && signing.some((sealed) => sealed !== null && !this.opens(sealed, row.id))) unopened.push(row.id);
    }
    return { resealed, unopened };
  }

  private resealed(sealed: string, subscriptionId: string): string | null {
    try {
      return this.secrets.resealedFromDevelopmentKey(sealed, subscriptionId);
    } catch {
      return null;
    }
  }

  private opens(sealed: string, subscriptionId: string): boolean {
    try {
      return this.secrets.opens(sealed, subscriptionId);
    } catch {
      return false;
    }
  }
}
