import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';

/** A new signing secret in the Standard Webhooks format: whsec_ and 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

export function isWebhookSecret(secret: string): boolean {
  if (!secret.startsWith(PREFIX)) return false;
  const key = secret.slice(PREFIX.length);
  return /^[A-Za-z0-9+/]+={0,2}$/.test(key) && Buffer.from(key, 'base64').length >= 24 && Buffer.from(key, 'base64').length <= 64;
}

/**
 * The Standard Webhooks headers: the event id as idempotency key, seconds since the epoch, and a
 * v1 HMAC-SHA256 over id.timestamp.body per secret, space-separated in the order given (the current
 * secret first, then those rotations replaced while their overlaps last): a receiver accepts the
 * request when any entry matches the secret it holds.
 */
export function webhookHeaders(secrets: readonly string[], id: string, timestamp: Date, body: string): Record<string, string> {
  const seconds = Math.floor(timestamp.getTime() / 1000).toString();
  const signatures = secrets.map((secret) => `v1,${createHmac('sha256', Buffer.from(secret.slice(PREFIX.length), 'base64')).update(`${id}.${seconds}.${body}`).digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': seconds, 'webhook-signature': signatures.join(' ') };
}
