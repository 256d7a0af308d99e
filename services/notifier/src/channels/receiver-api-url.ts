/**
 * The URL of an API path under a Grafana or Alertmanager base URL: the path follows the base's own, whose trailing slashes
 * go (`/grafana/` and `/grafana` are one base). The base's query and fragment are left out: neither API takes one
 * (Grafana's organisation is the token's, Alertmanager's API has no query), and joined as text they swallowed the API path
 * (`/am?org=1/api/v2/alerts`, `/gf#x/api/annotations`). Such targets are refused when subscribing; older ones are sent so.
 */
export function receiverApiUrl(base: string, path: string): URL {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = '';
  url.hash = '';
  return url;
}
