import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

// Used only when NOTIFIER_SECRET_KEY is unset (development, tests): secrets are then obfuscated, not protected.
const DEVELOPMENT_KEY = createHash('sha256').update('holdfast-notifier-development-key').digest();
const FORMAT = 'v1';

/**
 * Channel secrets at rest: AES-256-GCM with a random 96-bit nonce, the subscription id as
 * additional data (a ciphertext copied to another subscription does not decrypt there).
 */
export class SecretBox {
  private readonly key: Buffer;
  readonly usesDevelopmentKey: boolean;

  constructor(key: Buffer | undefined) {
    this.usesDevelopmentKey = key === undefined;
    this.key = key ?? DEVELOPMENT_KEY;
  }

  seal(secret: string, subscriptionId: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(Buffer.from(subscriptionId));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [FORMAT, nonce.toString('base64'), cipher.getAuthTag().toString('base64'), sealed.toString('base64')].join(':');
  }

  open(sealed: string, subscriptionId: string): string {
    const opened = openWith(this.key, sealed, subscriptionId);
    if (opened !== null) return opened;
    // Node says only "Unsupported state or unable to authenticate data": shown in every attempt log, it told nobody what to do.
    throw new Error(
      `the secret of subscription ${subscriptionId} cannot be opened with this NOTIFIER_SECRET_KEY: it was sealed under another key (the key was changed, or set or unset, since). Restore that key, or give the secret again with PATCH /v1/subscriptions/${subscriptionId} (a Slack subscription: its target)`,
    );
  }

  /** Whether `sealed` opens under this box's key. */
  opens(sealed: string, subscriptionId: string): boolean {
    return this.openIfItCan(sealed, subscriptionId) !== null;
  }

  /** The secret, or null when it was sealed under another key: for a comparison that simply fails then. */
  openIfItCan(sealed: string, subscriptionId: string): string | null {
    return openWith(this.key, sealed, subscriptionId);
  }

  /**
   * A secret sealed under the development key, sealed again under this box's key; null when it
   * opens under this key already, or under neither. An installation that ran without
   * NOTIFIER_SECRET_KEY (npm start and compose before 2026-12-05) sealed every secret so; the key is
   * in Holdfast's source, so opening them protects nothing that was protected.
   */
  resealedFromDevelopmentKey(sealed: string, subscriptionId: string): string | null {
    if (this.usesDevelopmentKey || this.opens(sealed, subscriptionId)) return null;
    const opened = openWith(DEVELOPMENT_KEY, sealed, subscriptionId);
    return opened === null ? null : this.seal(opened, subscriptionId);
  }
}

function openWith(key: Buffer, sealed: string, subscriptionId: string): string | null {
  const [format, nonce, tag, body] = sealed.split(':');
  if (format !== FORMAT || !nonce || !tag || body === undefined) throw new Error('sealed secret has an unknown format');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64'));
  decipher.setAAD(Buffer.from(subscriptionId));
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
