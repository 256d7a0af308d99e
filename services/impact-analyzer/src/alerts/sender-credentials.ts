import { createHash, timingSafeEqual } from 'node:crypto';
import { DomainError } from '@holdfast/service-kit';
import type { AlertSender, SenderCredential } from '../config/analyzer-settings';

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Compared as fixed-length digests, so neither the content nor the length of the secret leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/**
 * Checks the Authorization header against the sender's configured credential (bearer or basic,
 * as Alertmanager's http_config and Grafana's webhook contact point both offer).
 */
export function assertSenderCredential(sender: AlertSender, credential: SenderCredential | undefined, authorization: string | undefined): void {
  if (!credential) {
    throw new DomainError('sender-not-configured', 401, `No credential is configured for ${sender}: set ALERT_SENDERS, e.g. {"${sender}":{"bearer":"<token>"}}, and give the same to ${sender}.`);
  }
  const [scheme, value = ''] = (authorization ?? '').split(/\s+/, 2);
  const accepted =
    'bearer' in credential
      ? scheme?.toLowerCase() === 'bearer' && sameSecret(value, credential.bearer)
      : scheme?.toLowerCase() === 'basic' && sameSecret(Buffer.from(value, 'base64').toString('utf8'), `${credential.basic.username}:${credential.basic.password}`);
  if (!accepted) {
    // The scheme also goes into WWW-Authenticate, so a client that answers a challenge (curl --anyauth) sends the right one.
    throw new DomainError('invalid-sender-credential', 401, `The ${sender} webhook needs Authorization: ${'bearer' in credential ? 'Bearer <token>' : 'Basic <username:password>'} as configured in ALERT_SENDERS.`, {
      authScheme: 'bearer' in credential ? 'Bearer' : 'Basic',
    });
  }
}
