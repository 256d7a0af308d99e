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
    const [format, nonce, tag, body] = sealed.split(':');
    if (format !== FORMAT || !nonce || !tag || body === undefined) throw new Error('sealed secret has an unknown format');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64'));
    decipher.setAAD(Buffer.from(subscriptionId));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    try {
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // Node says only "Unsupported state or unable to authenticate data": shown in every attempt log, it told nobody what to do.
      throw new Error(
        `the secret of subscription ${subscriptionId} cannot be opened with this NOTIFIER_SECRET_KEY: it was sealed under another key (the key was changed, or set or unset, since). Restore that key, or give the secret again with PATCH /v1/subscriptions/${subscriptionId} (a Slack subscription: its target)`,
      );
    }
  }
}
