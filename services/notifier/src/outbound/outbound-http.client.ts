import { performance } from 'node:perf_hooks';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy';

export interface OutboundRequest {
  url: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Resolves a host name to every address, as dns.lookup with { all: true }. */
export type HostLookup = (hostname: string) => Promise<LookupAddress[]>;

/** The Nest token of the HostLookup a subscription's name is checked with when it is saved. */
export const HOST_LOOKUP = Symbol('HOST_LOOKUP');

export const systemLookup: HostLookup = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * Why a request got no response; `retryable` says whether trying again later can help. The message
 * names the host or origin only: a path or query may be a credential (a Slack webhook URL), and the
 * message is kept as the delivery's last error, shown by the API and logged.
 */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';

  constructor(
    readonly kind: 'refused-address' | 'timeout' | 'connection' | 'redirects' | 'bad-url',
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const MAX_REDIRECTS = 3;
const MAX_RESPONSE_BYTES = 1 << 20;
/**
 * How long a connection stays open, idle, for the next request to its receiver: under the 5 s most
 * servers keep one (Node's default; nginx 75 s, cloud load balancers 60 s), so a receiver seldom
 * closes it just as a request leaves on it. Opened per request, each cost a TCP connection, and for
 * https a TLS handshake, on both sides.
 */
const IDLE_CONNECTION_MS = 4_000;
// What a receiver closing a kept connection under a request looks like, before any answer came.
const CLOSED_UNDER_REQUEST = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Every request the notifier makes to the outside. The address is checked after DNS resolution
 * (inside the socket's own lookup, so the checked address is the one connected to) and again on
 * every redirect, which is followed here rather than by a library. Connections are kept open for
 * the next request to the same receiver (IDLE_CONNECTION_MS): each was opened to an address checked
 * then, under the same allow-list, so reusing one reaches no address unchecked; a name resolving
 * elsewhere since is checked when a new connection opens.
 */
export class OutboundHttpClient {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(
    private readonly policy: AddressPolicy,
    private readonly lookup: HostLookup = systemLookup,
    idleConnectionMs = IDLE_CONNECTION_MS,
  ) {
    // The agents' timeout closes only idle connections: a request in flight keeps its own deadline.
    this.httpAgent = new HttpAgent({ keepAlive: true, timeout: idleConnectionMs });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, timeout: idleConnectionMs });
  }

  /** Closes the connections kept open; a request after this opens new ones. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  async send(request: OutboundRequest): Promise<OutboundResponse> {
    // Elapsed time on the monotonic clock: a request's budget, not a point in time.
    const deadline = performance.now() + request.timeoutMs;
    let current = { ...request };
    for (let hop = 0; ; hop += 1) {
      const response = await this.sendOnce(current, Math.max(1, deadline - performance.now()));
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || response.status === 304 || !location) return response;
      if (hop >= MAX_REDIRECTS) throw new OutboundError('redirects', `more than ${MAX_REDIRECTS} redirects from ${new URL(request.url).origin}`, false);
      // 307/308 repeat the request as it was; a webhook turned into a GET would deliver nothing, so the others end here.
      if (response.status !== 307 && response.status !== 308) return response;
      const next = new URL(location, current.url);
      // A receiver's credential is for its own origin: a redirect elsewhere goes without it, as fetch() does.
      const headers = next.origin === new URL(current.url).origin ? current.headers : withoutCredentials(current.headers);
      current = { ...current, url: next.toString(), headers };
    }
  }

  /**
   * One request. Should the receiver close a kept connection just as the request leaves on it (its
   * own idle timeout), the request goes again at once on a new connection, before any answer came:
   * a delivery attempt is not spent on the race, and the webhook-id lets a receiver drop a copy.
   */
  private async sendOnce(request: OutboundRequest, timeoutMs: number): Promise<OutboundResponse> {
    const started = performance.now();
    try {
      return await this.exchange(request, timeoutMs, false);
    } catch (error) {
      if (!(error instanceof KeptConnectionClosed)) throw error;
      return this.exchange(request, Math.max(1, timeoutMs - (performance.now() - started)), true);
    }
  }

  private exchange(request: OutboundRequest, timeoutMs: number, newConnection: boolean): Promise<OutboundResponse> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return Promise.reject(new OutboundError('bad-url', 'the target is not a URL', false));
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new OutboundError('bad-url', `${url.protocol} URLs are not sent to`, false));
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) {
      const refusal = this.policy.refusal(host, port);
      if (refusal) return Promise.reject(new OutboundError('refused-address', `refused ${url.host}: ${refusal}`, false));
    }
    const [send, agent] = url.protocol === 'https:' ? [httpsRequest, this.httpsAgent] : [httpRequest, this.httpAgent];
    return new Promise((resolve, reject) => {
      let answered = false;
      const outgoing: ClientRequest = send(
        url,
        {
          method: request.method,
          headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body).toString() },
          lookup: this.guardedLookup(port),
          agent: newConnection ? false : agent,
        },
        (incoming) => {
          answered = true;
          const chunks: Buffer[] = [];
          let size = 0;
          incoming.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_RESPONSE_BYTES) chunks.push(chunk);
          });
          incoming.on('end', () => {
            clearTimeout(timer);
            resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          incoming.on('error', (error) => fail(error));
        },
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        if (!answered && outgoing.reusedSocket && CLOSED_UNDER_REQUEST.has((error as NodeJS.ErrnoException).code ?? '')) reject(new KeptConnectionClosed());
        else reject(error instanceof OutboundError ? error : new OutboundError('connection', `${url.host}: ${error.message}`, true));
      };
      const timer = setTimeout(() => {
        outgoing.destroy(new OutboundError('timeout', `no response from ${url.host} within ${request.timeoutMs} ms`, true));
      }, timeoutMs);
      outgoing.on('error', fail);
      outgoing.end(request.body);
    });
  }

  private guardedLookup(port: number): LookupFunction {
    return (hostname, options, callback) => {
      this.lookup(hostname).then(
        (addresses) => {
          const refused = this.policy.resolvedRefusal(addresses.map((entry) => entry.address), port);
          if (refused || addresses.length === 0) {
            callback(new OutboundError('refused-address', `refused ${hostname}: ${refused ?? 'it resolves to no address'}`, false), '', 4);
          } else if (options.all) {
            (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
          } else {
            callback(null, addresses[0].address, addresses[0].family);
          }
        },
        (error: Error) => callback(new OutboundError('connection', `cannot resolve ${hostname}: ${error.message}`, true), '', 4),
      );
    };
  }
}

/** A kept connection the receiver closed before answering: the request is sent again on a new one. */
class KeptConnectionClosed extends Error {}

const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
}
