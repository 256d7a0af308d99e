import { RepeatedFailure } from '@holdfast/observability';
import { backOff } from 'exponential-backoff';
import { Client, type ClientConfig } from 'pg';

export interface KeptListenerOptions {
  /** Where to connect: usually the service pool's own options, so URL, TLS and search path match. */
  connection: ClientConfig;
  channel: string;
  onNotification: (payload: string | undefined) => void;
  /** Each time LISTEN is in force again, the first time included: notifications sent meanwhile were missed. */
  onListening?: () => void;
  /** Each time the connection is lost; it is opened again at once, with backoff. */
  onLost?: (error: Error | undefined) => void;
  /**
   * A failed attempt to listen (PostgreSQL away, restarting), the next following up to 5 s later:
   * the first of a run and then one every 30 s (RepeatedFailure), so a long outage is not a line
   * every few seconds.
   */
  onRetry?: (error: Error) => void;
}

/**
 * A LISTEN connection that is opened again whenever it is lost. PostgreSQL drops every session when
 * it restarts: a listener that only logged the loss heard nothing more until its process restarted,
 * and what it was for (waking a worker, evicting a cache) fell back on polls and timeouts for good.
 * Keep-alive is on, so a peer that vanished without a word ends the connection too.
 */
export class KeptListener {
  private client: Client | null = null;
  private closed = false;
  private started: Promise<void> | undefined;
  private readonly failures = new RepeatedFailure();

  constructor(private readonly options: KeptListenerOptions) {}

  /** True while notifications reach this process. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** Resolves once listening for the first time (retrying until then), or once closed. */
  start(): Promise<void> {
    this.started ??= this.keepListening();
    return this.started;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private async keepListening(): Promise<void> {
    await backOff(() => this.listen(), {
      startingDelay: 100,
      maxDelay: 5_000,
      numOfAttempts: Number.MAX_SAFE_INTEGER,
      retry: (error: Error) => {
        if (!this.closed && this.failures.failed().loud) this.options.onRetry?.(error);
        return !this.closed;
      },
    }).catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ ...this.options.connection, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      if (this.closed) return;
      this.options.onLost?.(error);
      void this.keepListening();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', ({ payload }) => this.options.onNotification(payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.options.channel)}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
    this.failures.recovered();
    this.options.onListening?.();
  }
}
