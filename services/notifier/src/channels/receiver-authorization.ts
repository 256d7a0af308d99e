/**
 * The credential Grafana and Alertmanager subscriptions keep as their secret: a token, sent as
 * `Authorization: Bearer <token>` (a Grafana service account token, a proxy's bearer token), or a
 * whole Authorization value for a receiver behind basic auth (Alertmanager's web.config
 * basic_auth_users, most reverse proxies): `Basic <base64 of user:password>`. A token never holds a
 * space (RFC 6750's b64token), so the two cannot be confused, and one that would break the header
 * (a space, a line break) is refused when the subscription is made, not at its first delivery.
 */
const TOKEN = '[A-Za-z0-9._~+/-]+=*';
const BARE_TOKEN = new RegExp(`^${TOKEN}$`);
const WITH_SCHEME = new RegExp(`^(Bearer|Basic) (${TOKEN})$`, 'i');

const SHAPE = 'must be a token (sent as a Bearer token), or "Basic " followed by the base64 of user:password for a receiver behind basic auth';

/** Why `secret` cannot be a receiver's credential, or undefined when it can. */
export function receiverSecretProblem(secret: string): string | undefined {
  if (BARE_TOKEN.test(secret)) return undefined;
  const given = WITH_SCHEME.exec(secret);
  if (!given) return SHAPE;
  if (given[1].toLowerCase() === 'basic' && !Buffer.from(given[2], 'base64').toString('utf8').includes(':')) {
    return `${SHAPE}: the base64 after "Basic " must decode to user:password (echo -n 'user:password' | base64)`;
  }
  return undefined;
}

/** The Authorization header value a receiver's secret is sent as. */
export const authorizationOf = (secret: string): string => (WITH_SCHEME.test(secret) ? secret : `Bearer ${secret}`);
