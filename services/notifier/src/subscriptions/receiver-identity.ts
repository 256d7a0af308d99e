import { receiverApiUrl } from '../channels/receiver-api-url';
import type { ChannelName } from '../channels/channel-name';

// RFC 3986 §2.3: percent-encoded or not, these name the same resource.
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/** Percent-encoded unreserved characters decoded, every other escape in upper case (RFC 3986 §6.2.2.1-2). */
const escapesNormalised = (part: string): string =>
  part.replace(/%([0-9A-Fa-f]{2})/g, (_escape, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });

/**
 * The receiver a target URL reaches, written one way: two targets with the same identity get the same requests. The
 * WHATWG URL parse (what every delivery sends with) puts the scheme and host in lower case and drops a default port,
 * a port's leading zeros and dot segments; percent-encoding is normalised; the fragment goes, since it is never sent.
 * A Grafana or Alertmanager target is a base URL, compared as the channel joins its API path on (receiverApiUrl): its
 * trailing slashes, query and fragment go. Only for comparing: a subscription keeps its target as it was written.
 */
export function receiverIdentity(target: string, channel: ChannelName): string {
  const url = channel === 'grafana' || channel === 'alertmanager' ? receiverApiUrl(target, '') : new URL(target);
  const credentials = url.username || url.password ? `${escapesNormalised(url.username)}:${escapesNormalised(url.password)}@` : '';
  return `${url.protocol}//${credentials}${url.host}${escapesNormalised(url.pathname)}${escapesNormalised(url.search)}`;
}
